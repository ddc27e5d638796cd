"""Headless Chromium over the DevTools pipe: render an email as a phone or a desktop would, measure it, screenshot it.

Used by scripts/preview_emails.py (PNG screenshots) and the browser test of the email templates. No browser
package is needed: Chromium speaks the DevTools protocol over two pipes (--remote-debugging-pipe: it reads
requests on fd 3 and writes answers on fd 4, each JSON message ending in a NUL byte). The browser runs offline and
isolated: no sandbox (containers, root), no GPU, no background network, a fresh profile removed afterwards.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess  # nosec B404 # only browser.py starts a process (the local Chromium, argv list, no shell)
import tempfile
import time

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-pipe")


class BrowserError(Exception):
    """Chromium is missing, did not start or did not answer."""


def find_chromium():
    """The Chromium executable: $CHROMIUM, else the first of CHROMIUM_CANDIDATES on PATH; None when there is none."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser(object):
    """One headless Chromium; use as a context manager. page(html, width) loads an email into a fresh tab."""

    def __init__(self, executable=None, timeout=60):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("Chromium not found: install it with 'make chromium' (Debian package 'chromium') "
                               "or set CHROMIUM=/path/to/chromium")
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._events = []
        self.proc = None

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="email-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        os.set_inheritable(to_browser_r, True)
        os.set_inheritable(from_browser_w, True)

        def child_fds():  # Chromium expects its request pipe on fd 3 and its answer pipe on fd 4
            requests, answers = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_browser_w,
                                                                                         fcntl.F_DUPFD, 10)
            os.dup2(requests, 3)
            os.dup2(answers, 4)

        args = [self.executable] + list(FLAGS) + ["--user-data-dir=" + self.profile, "about:blank"]
        try:
            # B603: argv list, no shell; the local Chromium with fixed flags
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # nosec B603
                                         stderr=subprocess.DEVNULL, preexec_fn=child_fds, close_fds=False)
        except OSError as exc:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise BrowserError("cannot start Chromium {}: {}".format(self.executable, exc))
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self._write, self._read = to_browser_w, from_browser_r
        try:
            self.call("Browser.getVersion")
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self.proc is not None:
            try:
                self.call("Browser.close", timeout=5)
            except Exception:  # nosec B110 # closing politely failed; the process is killed next
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for fd in (self._write, self._read):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)
        return False

    # -- protocol -------------------------------------------------------------------------------------------------
    def call(self, method, params=None, session=None, timeout=None):
        """Send one DevTools command and return its result; raises BrowserError on an error answer or timeout."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            data = data[os.write(self._write, data):]
        wanted = self._next_id
        deadline = time.time() + (timeout or self.timeout)
        while True:
            for answer in self._messages(deadline, method):
                if answer.get("id") == wanted:
                    if "error" in answer:
                        raise BrowserError("{} failed: {}".format(method, answer["error"].get("message")))
                    return answer.get("result", {})
                if "method" in answer:
                    self._events.append(answer)

    def wait_event(self, name, session, timeout=None):
        deadline = time.time() + (timeout or self.timeout)
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == name and event.get("sessionId") == session:
                    return self._events.pop(i)
            for answer in self._messages(deadline, name):
                self._events.append(answer)

    def _messages(self, deadline, what):
        """The complete messages read in one go (waits for at least some bytes)."""
        remaining = deadline - time.time()
        if remaining <= 0 or not select.select([self._read], [], [], remaining)[0]:
            raise BrowserError("Chromium did not answer {} within {} s".format(what, self.timeout))
        chunk = os.read(self._read, 1 << 20)
        if not chunk:
            raise BrowserError("Chromium exited while waiting for {}".format(what))
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\0")
        return [json.loads(m.decode("utf-8")) for m in complete if m]

    # -- pages ----------------------------------------------------------------------------------------------------
    def page(self, html, width, height=800, dark=False, mobile=None):
        """A new tab showing ``html`` at ``width`` CSS pixels (as a phone below 600 px: the viewport meta applies)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session, width, height)
        page.load(html, mobile=width < 600 if mobile is None else mobile, dark=dark)
        return page


class Page(object):
    def __init__(self, browser, target, session, width, height):
        self.browser, self.target, self.session = browser, target, session
        self.width, self.height = width, height

    def call(self, method, params=None):
        return self.browser.call(method, params, session=self.session)

    def load(self, html, mobile, dark):
        self.mobile = mobile
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                          "deviceScaleFactor": 1, "mobile": mobile})
        self.call("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
        frame = self.call("Page.getFrameTree")["frameTree"]["frame"]["id"]
        self.call("Page.setDocumentContent", {"frameId": frame, "html": html})
        self.evaluate("document.fonts ? document.fonts.ready.then(function () { return true; }) : true")

    def evaluate(self, expression):
        """The value of a JavaScript expression (promises awaited); raises BrowserError on an exception."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError("script failed: {}".format(result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def screenshot(self, path):
        """A PNG of the whole page (the viewport stretched to the document height) at the page width."""
        self.call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": 100,
                                                          "deviceScaleFactor": 1, "mobile": self.mobile})
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))  # the content, not the window
        self.call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": max(height, 100),
                                                          "deviceScaleFactor": 1, "mobile": self.mobile})
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        self.call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                          "deviceScaleFactor": 1, "mobile": self.mobile})
        return path

    def close(self):
        self.browser.call("Target.closeTarget", {"targetId": self.target})
