"""File names of per-control artefacts.

Control IDs such as ``164.308(b)(1)`` hold characters that some file systems, archive tools or
URLs mishandle. Every artefact of a control is named by ``safe_name(control_id)``; the index
maps the name back to the ID.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(control_id: str) -> str:
    """Return a file-name stem for ``control_id`` that is portable and still readable.

    Parameters
    ----------
    control_id : str
        Catalog control ID, e.g. ``"0706.10b1"`` or ``"164.308(b)(1)"``.

    Returns
    -------
    str
        The ID with every run of other characters replaced by ``-`` and no leading or
        trailing ``-`` or ``.``, e.g. ``"164.308-b-1"``.
    """
    stem = _UNSAFE.sub("-", control_id).strip("-.")
    if not stem:
        raise ValueError(f"control ID {control_id!r} yields an empty file name")
    return stem
