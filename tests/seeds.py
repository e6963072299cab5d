"""Where the two seed notes are: the project's shared/ folder beside this repository,
or, in a checkout without it, their byte-identical copies in vault-sample/
(tests/test_golden.py checks that they are identical whenever both exist)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
SAMPLE_COPIES = {
    "torch-module-flashcards.md": REPO / "vault-sample" / "Deep Learning" / "torch-module-flashcards.md",
    "pytorch-fundamental-concepts.md": REPO / "vault-sample" / "Deep Learning" / "Reference" / "pytorch-fundamental-concepts.md",
}


def _seeds() -> Path:
    if all((SHARED_SEEDS / name).is_file() for name in SAMPLE_COPIES):
        return SHARED_SEEDS
    folder = Path(tempfile.mkdtemp(prefix="vaultkit-seeds-"))
    for name, copy in SAMPLE_COPIES.items():
        shutil.copyfile(copy, folder / name)
    return folder


SEEDS = _seeds()
