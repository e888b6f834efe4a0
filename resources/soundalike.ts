<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>App</source>
        <comment>Updating the library to a smaller format…</comment>
        <extracomment>Qt Multimedia&apos;s FFmpeg backend prints every opened file&apos;s stream table to the terminal (and notes on missing VA-API/PipeWire libraries); playback errors reach us as signals.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <comment>Making the library file smaller…</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <comment>Updating the library to a smaller format…
{0:,} of {1:,} analysed songs</comment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AboutDialog</name>
    <message>
        <source>Soundalike is free software, licensed under {0}: you may share and change it under the terms of the GNU General Public License, version 3 or any later version. It comes with no warranty.</source>
        <extracomment>(distribution name, what it does here, licence) — the licences as their projects state</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>musicnn {0} (J. Pons, X. Serra, ISMIR 2019), converted to LiteRT ({1}). Licence: {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Licence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The music model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Libraries</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used for</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Soundalike</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Soundalike icon</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Soundalike&lt;/b&gt; {0}&lt;br&gt;A music player that knows which songs sound alike.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Licences</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Soundalike&apos;s licence, the model&apos;s and the libraries&apos;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Actions</name>
    <message>
        <source>Add music folder…</source>
        <extracomment>every action of the window, its text and its shortcut (the one place they are declared)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find songs like a file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import playlist…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export queue…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play/Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Less like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Radio from moods…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar songs panel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Albums</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next pane</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous pane</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Soundalike</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play from here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add to queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find similar songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play similar next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start radio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Path to…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add to playlist…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start radio from {0} songs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AlbumGrid</name>
    <message>
        <source>Albums</source>
        <extracomment>the album list has been (re)loaded: number of albums</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your albums: arrows move, Enter plays the album, Shift+Enter queues it, Ctrl+Enter shows its songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No albums yet: albums appear here once their songs are scanned.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play album</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add album to queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the album&apos;s songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar albums</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar artists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist radio</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AnalysisStatus</name>
    <message>
        <source>Analysis progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs analysed so far</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause or resume the analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysis paused at {0} of {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>disk full: analysis paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysis paused on battery ({0} of {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysis stopped: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysing {0} of {1} — {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({0} failed)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>The library cannot be opened:
{0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The library was converted to the compact format, but {0}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DiscoveryActions</name>
    <message>
        <source>Nothing to order after the current song</source>
        <extracomment>how many sonic orders of each list can be undone albums or artists listed as similar seeds of an artist radio how often the mixes are checked (remade only when the library moved enough)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The queue changed meanwhile: not reordered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The queue changed since: the old order cannot come back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue order undone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The playlist changed meanwhile: not reordered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The playlist changed since: the old order cannot come back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Playlist order undone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The playlist was not reordered: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} songs in order {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({0} not analysed yet went last)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing analysed to compare yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Albums that sound like {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artists that sound like {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No analysed songs by {0} yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The mixes could not be made: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The mix “{0}” has no analysed songs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <source>Welcome to Soundalike</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Where is your music?&lt;/b&gt;&lt;br&gt;Soundalike will list the songs in these folders and listen to each one, on this computer, to find the songs that sound alike. You can change the folders later in Settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not now</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FolderBanner</name>
    <message>
        <source>Unavailable music folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Their songs come back by themselves when the folder is there again; they stay in the queue and keep their analyses meanwhile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 song is hidden until it is back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} songs are hidden until it is back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The music folder {0} {1}: {2}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FolderController</name>
    <message>
        <source>Resume analysis</source>
        <extracomment>the music folders unavailable now (a list of :class:`~soundalike.library.files.availability.UnavailableFolder`), after each check</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysis stopped: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a music folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings were not saved:
{0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FolderList</name>
    <message>
        <source>Music folders</source>
        <extracomment>never recommend these: {&quot;genres&quot;: [...], &quot;folders&quot;: [...], &quot;keywords&quot;: [...]} at most this many songs per artist / per album in a result list (0: no limit) the radio&apos;s options (RADIO_SETTINGS names → values)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folders Soundalike finds your music in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a music folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected folders (their songs stay on disk)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LibraryBrowser</name>
    <message>
        <source>{0} of {1} tracks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} tracks</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LibraryMap</name>
    <message>
        <source>Library map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every analysed song as a dot: songs that sound alike lie close. Click a dot to play it, right-click for more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find on the map: title, artist, album…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Matching songs are highlighted. Enter / Shift+Enter: next / previous match · Ctrl+Enter: play it · Esc: clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building the map…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No analysed songs yet: the map fills as the analysis runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top style</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find similar songs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LibraryModel</name>
    <message>
        <source>Title</source>
        <extracomment>the column titles of library.model.views.COLUMNS, for the translators (lupdate reads these)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Album</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Genre</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Year</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>About Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latest tracks chosen {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Radio: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added a music folder: scanning…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added {0} music folders: scanning…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Soundalike keeps playing here. Quit from this icon&apos;s menu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your songs. Enter plays from the selected song; the Menu key or Shift+F10 opens its menu (similar songs, radio, queue)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search title, artist, album, genre… (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search the library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type words from the title, artist, album or genre (Ctrl+F); Down goes to the list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Albums</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library views</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The library as a list (Ctrl+1), as albums (Ctrl+2) or as a map (Ctrl+M)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play queue</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Menus</name>
    <message>
        <source>&amp;File</source>
        <extracomment>the menu bar: (title, names; None is a separator)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Playback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MoodDialog</name>
    <message>
        <source>Radio from moods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. calm, ambient, instrumental</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Known words: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tempo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Energy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quiet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>driving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moods:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start radio</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NowPlayingBar</name>
    <message>
        <source>Previous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous song (Ctrl+Left)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play (Space)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next song (Ctrl+Right)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>▲ More like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More like this (Ctrl+Shift+M): the radio plays more songs like it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>▼ Less</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Less like this (Ctrl+Shift+L): skip it, and the radio steers away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Less like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing playing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist and album</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The song playing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position in the song: drag, or use the arrow keys and Page Up/Down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Volume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause (Space)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OrderMenu</name>
    <message>
        <source>Flow (each song into the next)</source>
        <extracomment>(key, menu text): keys are ``library.discovery.ORDER_BY``</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Energy (calm → energetic)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tempo (slow → fast)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Brightness (dark → bright)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mood (sad → happy)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sonic order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo sonic order</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PathDialog</name>
    <message>
        <source>Path to…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search the destination song…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search the destination song</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From “{0}” — {1} to:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PlaybackController</name>
    <message>
        <source>Added 1 song to the queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added {0} songs to the queue</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Player</name>
    <message>
        <source>its music folder {0} is not available (unplugged drive?)</source>
        <extracomment>start the loaded next track this long before the current one ends (its start-up time) (track id) → (its analysis loudness_db, its album&apos;s), for levelling untagged tracks the track now loaded (None when stopped at the end) a plain-words note for the status bar (&quot;Cannot play …, skipped&quot;) playing / paused changed: True when playing the queue is running low (for the radio): number of tracks after the current one a track stopped being the one playing: (row, seconds heard, played to its end) — the radio&apos;s feedback (a full play, or a skip at that many seconds) the user moved the position (ms) the active deck&apos;s position / duration (ms) the user&apos;s volume (0…1), not counting the track&apos;s gain the gain of the track now playing (:class:`~soundalike.library.listening.loudness.Gain`) play_row: while the track&apos;s level is read, whether it is to play (Play/Pause pressed meanwhile change it); None when no track is starting</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the file is missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot play “{0}”: {1}. Skipped.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PlaylistController</name>
    <message>
        <source>Playlist name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save playlist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The playlist “{0}” was not saved:
{1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved playlist “{0}” ({1} songs)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export playlist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported {0} songs to {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import playlist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>None of the {0} songs in {1} are in the library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported {0} songs; {1} are not in the library</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <source>  (folder unavailable)</source>
        <extracomment>track id → why the radio chose it (&quot;after you skipped 2 fast tracks: slower&quot;) roots of the music folders that are unavailable now</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not available now: its music folder {0} is not there (unplugged drive?). It plays again once the folder is back.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <source>Play queue</source>
        <extracomment>put the songs after the playing one in sonic order: &quot;flow&quot;, &quot;energy&quot;, … (issue 24)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs to play next. Enter plays, Delete removes, Alt+Up/Down moves, the Menu key opens its menu</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected tracks (Delete)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Empty the queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the queue as a playlist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the queue as M3U8 or XSPF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Less like this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play queue — 1 track</source>
        <extracomment>set by the window: is there a sonic order of the queue to undo?</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play queue — {0} tracks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play queue (empty)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SessionController</name>
    <message>
        <source>The last session could not be restored: {0}</source>
        <extracomment>the session has been restored (or there was none): the note shown, or &quot;&quot;</extracomment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Soundalike settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Playback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Music folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Processes analysing music at the same time (Automatic: one per physical core, leaving one free from 3 cores up)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause analysis while on battery</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop analysing music while the computer runs on battery; go on when it is plugged in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker processes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Variety</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs per artist in a list:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar songs, radio and paths show at most this many songs by one artist (No limit: as many as match)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs per album in a list:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar songs, radio and paths show at most this many songs from one album (No limit: as many as match)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave out the song&apos;s own artist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar songs never include songs by the artist of the song you asked about</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Radio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same artist again after:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same album again after:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never play a song twice in a session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep vocal or instrumental, like the songs it starts from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs you heard this recently come later in a new radio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Later, songs heard in the last:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never recommend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar songs, radio and paths leave out songs of these genres, from these folders, or with these words in their title, artist, album or file name. One per line.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Genres:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folders:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keywords:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never recommend: {0} (one per line)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never recommend {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loudness (ReplayGain)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Track: every song at the same level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Album: keep an album&apos;s own dynamics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic: album when an album plays in order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which ReplayGain value levels the songs you play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level songs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added to every song&apos;s gain. ReplayGain&apos;s reference level (−18 LUFS) is quieter than most recordings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pre-amplification:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prevent clipping (use the peak tags)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never raise a song so far that its loudest sample would distort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level songs without tags from their analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs without ReplayGain tags get a gain estimated from the loudness Soundalike measured when it analysed them</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Between songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gapless playback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load the next song before this one ends so that albums play without a pause between tracks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>While the radio plays, fade each song into the next over this many seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Radio crossfade:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show a notification when the song changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A desktop notification with the title and artist while the window is not in front</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep playing in the system tray when the window is closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Closing the window hides it; the tray icon has play, pause and next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This desktop has no system tray</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>Artists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Albums</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Genres</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Playlists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mixes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse the library</source>
        <extracomment>&quot;Similar albums&quot; / &quot;Similar artists&quot; of an album or artist entry: (what to list: &quot;album&quot; | &quot;artist&quot;, the entry&apos;s kind, its name) the Mixes category wants its entries (``set_mixes`` fills it)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse by artist, album, genre, folder or playlist: arrows move, Right opens a category, Enter goes to the songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All music</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Making the mixes…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No mixes yet: they are made from analysed songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}: an endless radio from this part of your library (double-click or Enter plays it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play mix (endless radio)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as playlist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pin (keep this mix)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar albums</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar artists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist radio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SimilarGroupsDialog</name>
    <message>
        <source>Similar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Album</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar albums or artists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist radio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar albums</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar artists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SimilarModel</name>
    <message>
        <source>Score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Artist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SimilarPanel</name>
    <message>
        <source>Similar songs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Right-click a song (or press the Menu key) and choose “Find similar songs”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Songs like the one you chose. Enter adds the selected ones to the queue, Ctrl+Enter plays them</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add to queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add the selected songs (or all) to the queue (Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start radio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An endless queue of songs like these</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No similar songs found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar to “{0}” — {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similar to {0} songs (“{1}” and others)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SimilarityActions</name>
    <message>
        <source>Only {0} shown: lists hold a few songs per artist and album (Settings → Variety).</source>
        <extracomment>a song heard this long (or to its end) counts as played (drawn later next session) why the radio&apos;s latest tracks were chosen (&quot;after you skipped 2 fast tracks: …&quot;) the radio&apos;s state as a plain dict (saved with the session; None: no radio) roots of the music folders unavailable now (their songs are never queued)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find songs like a file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audio files ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} similar songs will play next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mix: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Radio: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The radio carries on when {0} is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Radio: {0} seeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add to queue to play the path in order.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Path from “{0}” to “{1}”</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Tray menu</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show Soundalike</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide Soundalike</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
