"""Audio → features → vectors → similarity. Pure Python/numpy; never imports Qt or library/.

The analysis path (audio, dsp, spectral, cnn, analyze) imports neither librosa, numba nor
scipy: they cost ≈ 250 MB of resident memory per analysis process.
"""
