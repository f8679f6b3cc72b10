"""Uploading a sentra table: validated row by row against the loaded boundaries. It changes
the stored dataset only when ``apply=true`` and the configured write API key is given."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, UploadFile

from app.api.convert import records
from app.api.deps import DatasetDep
from app.api.errors import NotAuthorised, PayloadTooLarge
from app.base.errors import UnggulanError
from app.base.problems import Problem
from app.core.sentra import load_sentra
from app.io.readers import TABLE_SUFFIXES

router = APIRouter(tags=["sentra"])
CHUNK = 1 << 20


@router.post("/sentra/preview")
def preview_sentra(
    request: Request, ds: DatasetDep,
    file: Annotated[UploadFile, File(description="sentra table: CSV or XLSX")],
    apply: Annotated[bool, Query(description="store it in the dataset (needs the API key)")]
    = False,
    x_api_key: Annotated[str | None, Header()] = None,
):
    """Validate an uploaded sentra table: per-row problems, placement and commodity matches."""
    settings = request.app.state.settings
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UnggulanError(f"'{name}': a sentra table must be one of "
                            f"{', '.join(TABLE_SUFFIXES)}", field="file")
    limit = settings.max_upload_mb * CHUNK
    with tempfile.TemporaryDirectory(prefix="unggulan-upload-") as tmp:
        path = Path(tmp) / name
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
            if not settings.write_api_key or x_api_key != settings.write_api_key:
                raise NotAuthorised("storing an upload needs the write API key "
                                    "(header X-API-Key)", field="x-api-key")
            if any(p.severity == "error" for p in problems):
                raise UnggulanError("the upload has errors (see a preview); nothing was stored",
                                    field="file")
            target_dir = ds.folder / "sentra"
            target_dir.mkdir(exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
            fd, tmp_target = tempfile.mkstemp(dir=target_dir, prefix=".upload-", suffix=suffix)
            os.close(fd)
            Path(tmp_target).write_bytes(path.read_bytes())
            os.replace(tmp_target, target_dir / safe)
            request.app.state.holder.reload()
            body["applied"] = True
        return body
