"""Uploading a sentra table: validated row by row against the loaded boundaries. It changes
the stored dataset only when ``apply=true`` and the configured write API key is given."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile

from unggulan.api.convert import records
from unggulan.api.deps import DatasetDep
from unggulan.api.errors import PayloadTooLarge
from unggulan.api.models import ErrorBody
from unggulan.api.routes_dataset import WRITE_RESPONSES
from unggulan.api.security import api_key_header, check_write_key
from unggulan.base.errors import UnggulanError
from unggulan.base.problems import Problem
from unggulan.core.inputs.sentra import load_sentra
from unggulan.io.readers import TABLE_SUFFIXES

router = APIRouter(tags=["sentra"])
CHUNK = 1 << 20


def safe_filename(raw: str | None, default: str = "upload") -> str:
    """A file name made from a client's: its last path part, only ``A-Z a-z 0-9 _ . -``, no
    leading dot, at most 100 characters, the suffix kept in lower case. It never names a
    folder or a hidden file, whatever the client sends.

    >>> safe_filename("../../etc/Panen Kakao 2024.CSV")
    'Panen_Kakao_2024.csv'
    >>> safe_filename("..csv"), safe_filename("C:/Users/x/sentra;rm -rf.xlsx")
    ('upload.csv', 'sentra_rm_-rf.xlsx')
    """
    base = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = re.sub(r"[^a-z0-9]", "", Path(base).suffix.lower())
    stem = base[: -len(Path(base).suffix)] if Path(base).suffix else base
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip("._-")[:100] or default
    return f"{stem}.{suffix}" if suffix else stem


@router.post("/sentra/preview", responses={
    **WRITE_RESPONSES,
    413: {"model": ErrorBody, "description": "the file is larger than UNGGULAN_MAX_UPLOAD_MB"}})
def preview_sentra(
    request: Request, ds: DatasetDep,
    file: Annotated[UploadFile, File(description="sentra table: CSV or XLSX")],
    apply: Annotated[bool, Query(description="store it in the dataset (needs the write key "
                                 "in the X-API-Key header)")] = False,
    x_api_key: Annotated[str | None, Depends(api_key_header)] = None,
):
    """Validate an uploaded sentra table: per-row problems, placement and commodity matches.

    With ``apply=true`` (and the write key) a table without errors is stored in the dataset's
    ``sentra/`` folder and the dataset is reloaded.
    """
    settings = request.app.state.settings
    if apply:  # before any work: a write without the key costs nothing
        check_write_key(settings.write_api_key, x_api_key)
    name = (file.filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1]
    safe = safe_filename(name)
    suffix = Path(safe).suffix
    if suffix not in TABLE_SUFFIXES:
        raise UnggulanError(f"'{name}': a sentra table must be one of "
                            f"{', '.join(TABLE_SUFFIXES)}", field="file")
    limit = settings.max_upload_mb * CHUNK
    with tempfile.TemporaryDirectory(prefix="unggulan-upload-") as tmp:
        path = Path(tmp) / safe  # never a name the client chose
        size = 0
        with open(path, "wb") as fh:
            while chunk := file.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"'{name}' is larger than {settings.max_upload_mb} MB",
                                          field="file")
                fh.write(chunk)
        problems: list[Problem] = []
        records_, _ = load_sentra([path], ds.config.sentra.model_copy(update={"path": None}),
                                  ds.areas("desa"), ds.areas("kecamatan"), ds.catalogue,
                                  problems)
        placed = records_["desa_code"].notna()
        body = {
            "file": name, "rows": int(len(records_)), "placed": int(placed.sum()),
            "unplaced": int((~placed).sum()),
            "commodities_matched": int(records_["commodity_id"].notna().sum()),
            "unmatched_names": sorted(set(records_.loc[records_["commodity_id"].isna(),
                                                      "commodity_raw"]) - {""}),
            "problems": [{**p.to_dict(), "file": name} for p in problems],
            "records": records(records_.drop(columns="geometry")),
            "applied": False,
        }
        if apply:
            if any(p.severity == "error" for p in problems):
                raise UnggulanError("the upload has errors (see a preview); nothing was stored",
                                    field="file")
            target_dir = ds.folder / "sentra"
            target_dir.mkdir(exist_ok=True)
            fd, tmp_target = tempfile.mkstemp(dir=target_dir, prefix=".upload-", suffix=suffix)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(path.read_bytes())
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp_target, target_dir / safe)
            except BaseException:
                Path(tmp_target).unlink(missing_ok=True)
                raise
            request.app.state.holder.reload()
            body["applied"] = True
        return body
