"""Real paths found without a walk of their own: discovery derives a file's real path from
its directory's, and the loader takes a file() target's from discovery. Both must equal
os.path.realpath exactly, links and `..` steps included, or a PEM read by file() would be
checked a second time as a standalone file (or counted twice)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elbtls.validators.inputs import load
from elbtls.validators.inputs.discover import discover
from elbtls.validators.inputs.loader import Loader

from . import certs

PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """real/certs/a.pem, a directory link to real/, a file link to a.pem, and a link inside
    real/ that leads out of it (so `inside/..` is not `real/`)."""
    (tmp_path / "real" / "certs").mkdir(parents=True)
    (tmp_path / "elsewhere" / "certs").mkdir(parents=True)
    (tmp_path / "real" / "certs" / "a.pem").write_text(PEM)
    (tmp_path / "elsewhere" / "certs" / "a.pem").write_text(PEM)
    (tmp_path / "elsewhere" / "deep").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "linked")
    os.symlink(tmp_path / "real" / "certs" / "a.pem", tmp_path / "real" / "certs" / "b.pem")
    os.symlink(tmp_path / "elsewhere" / "deep", tmp_path / "real" / "inside")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_discovered_real_paths_equal_realpath(tree):
    found = discover(["."])
    assert found.pems
    for f in found.pems:
        assert f.real == os.path.realpath(f.path), f.path


@pytest.mark.parametrize("spelling", [
    "real/certs/a.pem", "./real/./certs/a.pem", "real//certs/a.pem",   # normalise to a discovered file
    "linked/certs/a.pem", "real/certs/b.pem",                            # through a link
    "real/inside/../certs/a.pem",                                        # `..` after a link: elsewhere/
    "real/certs/../certs/a.pem", "real/certs/missing.pem",               # `..`; not discovered at all
])
def test_loader_real_path_equals_realpath(tree, spelling):
    loader = Loader(1_048_576, known=discover(["real"]).pems)
    assert loader.real_path(spelling) == os.path.realpath(spelling)
    absolute = os.path.join(os.getcwd(), spelling)   # (not abspath: it would drop `..` before the link)
    assert loader.real_path(absolute) == os.path.realpath(absolute)


def test_a_pem_read_by_file_through_a_linked_parent_step_is_still_checked_on_its_own(tree):
    """`inside/..` leads to elsewhere/, so real/certs/a.pem is not what file() read."""
    leaf = certs.make_leaf(certs.make_ca())
    (tree / "real" / "certs" / "a.pem").write_text(leaf.cert_pem)
    (tree / "elsewhere" / "certs" / "a.pem").write_text(leaf.cert_pem)
    (tree / "real" / "main.tf").write_text(
        'resource "aws_iam_server_certificate" "x" {\n'
        '  certificate_body = file("${path.module}/inside/../certs/a.pem")\n}\n')
    result = load(["real"])
    # b.pem is a link to a.pem: one file, taken once
    assert [b.pem.origin.file for b in result.project.pem_bundles] == ["real/certs/a.pem"]
    # main.tf, elsewhere/certs/a.pem (read by file()), real/certs/a.pem on its own
    assert result.files_checked == 3


def test_a_pem_read_by_file_under_another_spelling_is_not_checked_twice(tree):
    leaf = certs.make_leaf(certs.make_ca())
    (tree / "real" / "certs" / "a.pem").write_text(leaf.cert_pem)
    (tree / "real" / "main.tf").write_text(
        'resource "aws_iam_server_certificate" "x" {\n'
        '  certificate_body = file("${path.module}/./certs//a.pem")\n}\n')
    result = load(["real"])
    assert result.project.pem_bundles == []   # a.pem (and b.pem, a link to it) is the file() target
    assert result.files_checked == 2
