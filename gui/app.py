"""Start the desktop player: ``run(db=None) -> int``."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from soundalike.gui import theme

ORGANISATION = "Soundalike"
APPLICATION = "soundalike"
#: Qt Multimedia's FFmpeg backend prints every opened file's stream table to the terminal
#: (and notes on missing VA-API/PipeWire libraries); playback errors reach us as signals.
QUIET_MULTIMEDIA = "qt.multimedia.*=false"


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication, with the names QSettings uses, the icon and the palette."""
    os.environ.setdefault("QT_LOGGING_RULES", QUIET_MULTIMEDIA)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Soundalike")
    app.setDesktopFileName("soundalike")
    app.setWindowIcon(theme.app_icon())
    install_translations(app)
    scheme = QSettings().value("ui/scheme", "system", str)
    theme.apply(app, scheme)
    theme.follow_system(app, scheme)
    return app


def install_translations(app: QApplication) -> None:
    """Qt's own and Soundalike's translations for the user's locale, when there are any
    (``resources/soundalike_<lang>.qm``, compiled from ``resources/soundalike.ts``)."""
    locale = QLocale()
    for name, folder in (("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
                         ("soundalike", str(theme.RESOURCES))):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", folder):
            app.installTranslator(translator)


def finish_data_steps(app: QApplication, path: str):
    """The work on existing rows a migration left (converting the analyses to the compact
    format, then making the file smaller), before the window opens: done on a thread with
    its own Store while a progress dialog stays responsive; None when there was none, else
    the :class:`~soundalike.library.store.StepsReport`. Errors are raised here."""
    import threading

    from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
    from PySide6.QtWidgets import QProgressDialog

    from soundalike.library.store import Store
    from soundalike.library.store.data_steps import SHRINK_STEP

    with Store(path) as store:
        if not store.pending_data_steps():
            return None

    class Relay(QObject):
        progressed = Signal(object)
        finished = Signal()

    tr = QCoreApplication.translate
    dialog = QProgressDialog(tr("App", "Updating the library to a smaller format…"), "", 0, 0)
    dialog.setWindowTitle("Soundalike")
    dialog.setCancelButton(None)  # it runs once; stopping it is safe but gains nothing
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    dialog.setMinimumWidth(420)
    dialog.setAutoClose(False)  # it stays up while the file is made smaller
    dialog.setAutoReset(False)

    def show(p) -> None:
        if p.step == SHRINK_STEP:
            dialog.setRange(0, 0)
            dialog.setLabelText(tr("App", "Making the library file smaller…"))
        else:
            dialog.setLabelText(tr("App", "Updating the library to a smaller format…\n"
                                   "{0:,} of {1:,} analysed songs").format(p.done, p.total))
            dialog.setRange(0, max(p.total, 1))
            dialog.setValue(p.done)

    relay = Relay()
    loop = QEventLoop()
    # emitted on the worker thread; it waits until the dialog shows each step (a step is a
    # batch of 1000 songs, or the start of the VACUUM), so none is skipped
    relay.progressed.connect(show, Qt.ConnectionType.BlockingQueuedConnection)
    relay.finished.connect(loop.quit)
    outcome: dict = {}

    def work() -> None:
        try:
            with Store(path) as store:
                outcome["report"] = store.finish_data_steps(relay.progressed.emit)
        except BaseException as exc:  # handed to the GUI thread
            outcome["error"] = exc
        finally:
            relay.finished.emit()

    dialog.show()
    worker = threading.Thread(target=work, name="data-steps", daemon=True)
    worker.start()
    loop.exec()
    while worker.is_alive():  # the loop was ended early (the application quit): the worker
        app.processEvents()   # may wait on a progress step, so keep serving it until it ends
        worker.join(0.05)
    dialog.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"]


def run(db: str | None = None) -> int:
    """Open the player on the library at *db* (default: the user's library); exit code."""
    from soundalike.library.model.errors import LibraryError
    from soundalike.library.store import Store, default_db_path
    from soundalike.library.store.recovery import ensure_healthy

    app = make_app()
    path = db or str(default_db_path())
    try:
        recovered = ensure_healthy(path)  # the start-up check; a damaged file is recovered
        with Store(path) as store:  # creates and migrates before the readers open it
            first_run = not store.folders() and not QSettings().value("first_run_done",
                                                                      False, bool)
        steps = finish_data_steps(app, path)
    except LibraryError as exc:
        QMessageBox.critical(None, "Soundalike", QCoreApplication.translate(
            "App", "The library cannot be opened:\n{0}").format(exc))
        return 1
    if steps is not None and steps.problem:
        QMessageBox.information(None, "Soundalike", QCoreApplication.translate(
            "App", "The library was converted to the compact format, but {0}.").format(
                steps.problem))
    if recovered is not None:  # the start-up scan below rebuilds the tracks
        QMessageBox.warning(None, "Soundalike — library recovered", recovered.message())

    from soundalike.gui.main_window import MainWindow
    from soundalike.gui.tasks import Tasks

    tasks = Tasks(app)  # the GUI's thread pools belong to the application
    window = MainWindow(path, tasks=tasks)
    window.show()
    if first_run:
        window.ask_for_folders()
        QSettings().setValue("first_run_done", True)
    window.start_background()
    code = app.exec()
    tasks.wait_idle(3000)
    return code
