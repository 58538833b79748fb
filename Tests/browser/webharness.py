"""Shared by the browser and API contract tests: a demo store written by the real daemon, principals with
bcrypt hashes from `activity-web --hash-password`, and the real activity-web on a free loopback port."""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# name, roles, accounts; each password is the name followed by "-pw".
PRINCIPALS = [("admin", ["admin"], []), ("sec", ["security"], []), ("act", ["activity"], []),
              ("acme", ["security", "activity"], ["acme"])]
TOKEN = "portal-token"


class WebServer:
    def __init__(self, bin_dir):
        self.bin = bin_dir
        self.work = tempfile.mkdtemp(prefix="activity-web-test-")
        self.proc = None

    def __enter__(self):
        try:
            self.data = subprocess.run([os.path.join(ROOT, "scripts/web-demo-store.sh"), self.work, self.bin], check=True,
                                       capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[-1]
            toml = f'data_dir = "{self.data}"\n[web]\nlisten = "127.0.0.1:0"\n'
            for name, roles, accounts in PRINCIPALS:
                h = subprocess.run([os.path.join(self.bin, "activity-web"), "--hash-password", "--bcrypt-cost", "4"],
                                   input=name + "-pw", check=True, capture_output=True, text=True, timeout=60).stdout.strip()
                toml += f'[[web.user]]\nname = "{name}"\nbcrypt = "{h}"\nroles = {list_toml(roles)}\n'
                if accounts:
                    toml += f"accounts = {list_toml(accounts)}\n"
            toml += ('[[web.token]]\nname = "portal"\nsha256 = "%s"\nroles = ["security"]\naccounts = ["acme"]\n'
                     % hashlib.sha256(TOKEN.encode()).hexdigest())
            self.config = os.path.join(self.work, "web.toml")
            with open(self.config, "w") as f:
                f.write(toml)
            self.proc = subprocess.Popen([os.path.join(self.bin, "activity-web"), "--config", self.config, "--log-level", "warning"],
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            line = self.proc.stdout.readline()
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if not m:
                raise RuntimeError(f"activity-web did not start: {line!r}")
            self.base = f"http://127.0.0.1:{m.group(1)}"
            return self
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.work, ignore_errors=True)


def list_toml(items):
    return "[" + ", ".join('"%s"' % i for i in items) + "]"
