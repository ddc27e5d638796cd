"""What the Box client returns, declared once so its consumers read fields instead of spelling dict keys again.

namedtuples, not dataclasses: the runtime code runs on Python 3.6. Each call and its Box request: docs/box-api.md.
"""
from collections import namedtuple

InboxFile = namedtuple("InboxFile", "file_id name size sha1 folder_path parent_id etag version_id")
InboxFile.__doc__ = """A file as a folder listing shows it (BoxClient.list_inbox: the A2->A3 inbox, or a campaign
folder searched by SHA-1). ``folder_path``: the folder names from the listed root down to ``parent_id``, the folder
holding it; ``etag``: the If-Match value of this version (delete_file); ``version_id``: Box's ``file_version.id``."""

BoxFile = namedtuple("BoxFile", "file_id name sha1 size parent_id renamed ancestors")
BoxFile.__new__.__defaults__ = (False, ())
BoxFile.__doc__ = """One Box file as read (BoxClient.get_file) or after a move (move_file): ``parent_id`` is the
folder holding it; ``renamed`` is True when the move had to number the name because the target already had it;
``ancestors`` (get_file): the (id, name) of every folder above it, from All Files down to ``parent_id``, so a caller
can tell whether the file is still inside a given folder."""

UploadResult = namedtuple("UploadResult", "file_id name url sha1 size outcome")
UploadResult.__doc__ = """The Box file an upload ended in (upload_file, upload_with_tracking_id, upload_stream):
``url`` is the link the emails carry (file_url), ``sha1``/``size`` the bytes sent, ``outcome`` one of "uploaded",
"adopted" (the same name and SHA-1 were already there) or "new_version" (the same name with other content)."""

DownloadedFile = namedtuple("DownloadedFile", "path size sha1")
DownloadedFile.__doc__ = """A Box file downloaded by BoxClient.download_file: the local ``path``, its ``size`` in
bytes and its ``sha1``, checked against the expected one."""

BoxUser = namedtuple("BoxUser", "user id")
BoxUser.__doc__ = """The user the client acts as (BoxClient.ping, GET /users/me): its name and id."""
