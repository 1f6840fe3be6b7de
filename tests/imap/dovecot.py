"""A private Dovecot for tests and the bench: own config, users, maildirs, ports.

It runs ``dovecot -F -c CONF`` as a child process with every path (base_dir,
state, logs, maildirs) in one temp directory, listening on free loopback
ports: plain IMAP with STARTTLS, and IMAPS.  Nothing of the machine's own
Dovecot is used or touched.  As root, mail is owned by ``nobody`` (Dovecot
refuses mail access as uid 0); as another user, everything runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

READY_SECONDS = 15.0


def dovecot_binary() -> str:
    """The dovecot program; fails under CI (it must run there), skips elsewhere."""
    path = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists(
        "/usr/sbin/dovecot") else None)
    if path is None:
        reason = "dovecot is not installed (.ci/run installs dovecot-imapd)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI is set: the IMAP tests must run")
        pytest.skip(reason)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class User:
    name: str
    password: str


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost that is its own CA (a client trusts it as one)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=60)
    return cert, key


class Dovecot:
    """One private Dovecot; `start`, `stop`, `start` again keeps its mail and ports."""

    def __init__(self, users: list[User], *, tls: bool = True,
                 certificate: tuple[Path, Path] | None = None,
                 capability: str | None = None) -> None:
        self.binary = dovecot_binary()
        self.root = Path(tempfile.mkdtemp(prefix="csba-dovecot-"))
        self.root.chmod(0o755)  # the mail user (nobody under root) must reach its maildir
        self.port = free_port()
        self.tls_port = free_port()
        self.users = {u.name: u for u in users}
        self.cert: Path | None = None
        if tls:
            self.cert, self.key = certificate or self_signed(self.root)
        self._proc: subprocess.Popen[bytes] | None = None
        # The capabilities announced after login (Dovecot's `imap_capability`),
        # to play an older server: the commands themselves still work.
        self.capability = capability
        self._write_config()

    # -- set-up ---------------------------------------------------------------

    def _write_config(self) -> None:
        me = pwd.getpwuid(os.getuid())
        if os.getuid() == 0:
            mail = pwd.getpwnam("nobody")
            login_user, internal_user = "dovenull", "dovecot"
        else:
            mail, login_user, internal_user = me, me.pw_name, me.pw_name
        homes = self.root / "mail"
        homes.mkdir()
        os.chown(homes, mail.pw_uid, mail.pw_gid)
        passwd = self.root / "passwd"
        passwd.write_text("".join(
            f"{u.name}:{{PLAIN}}{u.password}:{mail.pw_uid}:{mail.pw_gid}::{homes / u.name}::\n"
            for u in self.users.values()), encoding="utf-8")
        ssl = (f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{self.key}\n"
               if self.cert else "ssl = no\n")
        imaps = (f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {self.tls_port}\n"
                 "    ssl = yes\n  }\n" if self.cert else "")
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(f"""\
base_dir = {self.root / 'run'}
state_dir = {self.root / 'state'}
log_path = {self.root / 'dovecot.log'}
protocols = imap
listen = 127.0.0.1
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {mail.pw_uid}
last_valid_uid = 0
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
{ssl}mail_location = maildir:~/Maildir
{f"imap_capability = {self.capability}" if self.capability else ""}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
{imaps}}}
# No login penalty after a failed login (Dovecot's documented switch): the
# wrong-password test must not slow down the other accounts' logins.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""", encoding="utf-8")

    # -- life cycle -----------------------------------------------------------

    def start(self) -> None:
        """Start and wait for the greeting (bounded); the log is shown on failure."""
        assert self._proc is None or self._proc.poll() is not None
        with open(self.root / "stderr.log", "ab") as stderr:
            # Its own process group: stop() ends the master and every session
            # process at once, as a service manager restarting it would.
            self._proc = subprocess.Popen([self.binary, "-F", "-c", str(self.conf)],
                                          stdin=subprocess.DEVNULL, stdout=stderr,
                                          stderr=stderr, start_new_session=True)
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if self._proc.poll() is not None:
                pytest.fail(f"dovecot exited ({self._proc.returncode}):\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    if sock.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dovecot gave no greeting within {READY_SECONDS}s:\n{self.log()}")
            time.sleep(0.05)  # polling the port for readiness, not waiting for an effect

    def stop(self) -> None:
        """SIGTERM to the whole instance, and wait until no process of it is left.

        Dovecot's session processes outlive a stopped master by seconds; a
        restart by a service manager ends them too, and so does this.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return
        group = proc.pid  # start_new_session: the group id is the master's pid
        _signal_group(group, signal.SIGTERM)
        try:
            proc.wait(READY_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            proc.wait()
        deadline = time.monotonic() + READY_SECONDS
        while _signal_group(group, 0):
            if time.monotonic() > deadline:
                _signal_group(group, signal.SIGKILL)
                break
            time.sleep(0.05)  # polling for the processes to be gone

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        return "".join(path.read_text(errors="replace")
                       for path in (self.root / "stderr.log", self.root / "dovecot.log")
                       if path.exists())

    # -- a client, as a mail system delivering to the inbox would be ----------

    @contextmanager
    def client(self, user: str) -> Iterator[IMAPClient]:
        imap = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=30)
        imap.normalise_times = False
        try:
            imap.login(user, self.users[user].password)
            yield imap
        finally:
            try:
                imap.logout()
            except Exception:
                imap.shutdown()

    def append(self, user: str, raw: bytes, folder: str = "INBOX",
               flags: tuple[bytes, ...] = ()) -> None:
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            imap.append(folder, raw, flags=flags)

    def messages(self, user: str, folder: str) -> dict[int, dict[bytes, object]]:
        """UID -> {FLAGS, BODY[]} of every message in `folder` (read-only, nothing changes)."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                return {}
            imap.select_folder(folder, readonly=True)
            uids = imap.search("ALL")
            return dict(imap.fetch(uids, ["FLAGS", "BODY.PEEK[]"])) if uids else {}

    def maildir_files(self, user: str, folder: str = "INBOX") -> list[Path]:
        """The message files of a folder, for tests that damage one on purpose."""
        base = self.root / "mail" / user / "Maildir"
        if folder != "INBOX":
            base = base / f".{folder}"
        return sorted(p for sub in ("new", "cur") for p in (base / sub).glob("*") if p.is_file())


def _signal_group(group: int, signum: int) -> bool:
    """Send `signum` to the process group; False when no process is left in it."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    return True
