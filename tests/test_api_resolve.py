"""Resolution and suggestions: what `did you mean` offers for the typos notes make."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultkit.apiindex import forget_loaded, load_index
from vaultkit.apiindex.refs import quick_chains, quick_imports, reference_from_text, scan_code
from vaultkit.apiindex.resolve import placeholder_pattern, resolve, suggest
from vaultkit.config import Config
from vaultkit.core.span import Span


@pytest.fixture(scope="module")
def index(request):
    directory = Path(request.config.cache.mkdir("vaultkit-api-index"))
    mp = pytest.MonkeyPatch()
    mp.setenv("VAULTKIT_API_INDEX_DIR", str(directory))
    forget_loaded()
    yield load_index(Config())
    forget_loaded()
    mp.undo()


def top(index, written: str) -> list[str]:
    parts = tuple(written.split("."))
    result = resolve(index, parts, index.aliases)
    assert result is not None and result.status == "unknown", (written, result)
    return [index.display(s.qualified) for s in suggest(index, result.namespace, parts[result.bad], index.aliases)]


@pytest.mark.parametrize(
    "written, expected",
    [
        ("nn.LTSM", "nn.LSTM"),  # transposition: plain Levenshtein scores it as two edits
        ("nn.AvgPoold2", "nn.AvgPool2d"),  # only a transposition-aware metric breaks the 1d/2d/3d tie
        ("nn.Lienar", "nn.Linear"),
        ("nn.Dropout2D", "nn.Dropout2d"),  # case only
        ("torch.optim.Adamw", "optim.AdamW"),  # a naive fuzzy matcher picks Adam
        ("nn.CrossEntropyloss", "nn.CrossEntropyLoss"),
        ("F.relu6x", "F.relu6"),
        ("nn.Conv2D", "nn.Conv2d"),
        ("torch.zero", "torch.zeros"),  # not the in-place zero_
        ("torch.Lienar", "nn.Linear"),  # typo and wrong namespace at once
        ("optim.StepLR", "optim.lr_scheduler.StepLR"),
        ("nn.Module.paramters", "nn.Module.parameters"),
        ("torch.Tensor.veiw", "torch.Tensor.view"),
    ],
)
def test_first_suggestion(index, written, expected):
    assert top(index, written)[0] == expected


def test_wrong_namespace_lists_functions_before_the_class(index):
    assert top(index, "nn.sigmoid") == ["torch.sigmoid", "F.sigmoid", "nn.Sigmoid"]


def test_case_insensitive_lookup_does_not_accept_the_wrong_case(index):
    for written in ("nn.Dropout2D", "nn.sigmoid", "optim.adam", "torch.Tensor.View"):
        assert resolve(index, tuple(written.split(".")), index.aliases).status == "unknown"


def test_real_names_resolve(index):
    for written in ("nn.Linear", "F.scaled_dot_product_attention", "torch.backends.cudnn.benchmark",
                    "optim.Optimizer.param_groups", "torch.utils.data.DataLoader.dataset",
                    "nn.Linear.weight", "torch._C._nn", "nn.init.kaiming_normal_"):
        result = resolve(index, tuple(written.split(".")), index.aliases)
        assert result.status == "ok", written


def test_not_a_reference_without_a_known_root(index):
    for written in ("np.array", "self.linear", "model.parameters", "x.shape", "os.path.join"):
        assert resolve(index, tuple(written.split(".")), index.aliases) is None


def test_placeholders_expand(index):
    result = resolve(index, ("nn", "BatchNorm?d"), index.aliases)
    assert result.status == "ok"
    assert result.placeholder == ("torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm3d")
    assert resolve(index, ("nn", "Conv{1,2,3}d"), index.aliases).placeholder == (
        "torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d",
    )
    assert resolve(index, ("nn", "BatchNorn?d"), index.aliases).status == "unknown"
    assert placeholder_pattern("*Loss").fullmatch("CrossEntropyLoss")


def test_deprecated_names_carry_their_replacement(index):
    result = resolve(index, ("nn", "init", "kaiming_normal"), index.aliases)
    assert result.status == "ok" and result.deprecated_at == 2
    assert result.replacement == "torch.nn.init.kaiming_normal_"


def test_prose_reference_splits_into_located_parts():
    ref = reference_from_text("nn.LTSM.", Span(3, 10, 3, 18), "prose")
    assert ref.parts == ("nn", "LTSM")
    assert ref.spans[1] == Span(3, 13, 3, 17)
    assert reference_from_text("F.A.Q", Span(0, 0, 0, 5), "prose") is None  # an abbreviation


def test_code_scan_skips_strings_and_comments_and_learns_aliases():
    scan = scan_code([
        "from torch.nn import functional as fn",
        "x = fn.relu(y)  # nn.Bogus",
        "s = \"nn.Bogus\"",
        "optim = make()",
    ])
    assert [r.text for r in scan.references if r.context == "code"] == ["fn.relu"]
    assert scan.aliases["fn"] == "torch.nn.functional"
    assert "optim" in scan.assigned


def test_code_scan_survives_broken_code():
    scan = scan_code(["def f(:", "\tx = nn.Lineer(", "    y = 'unterminated"])
    assert [r.text for r in scan.references] == ["nn.Lineer"]


def test_quick_pass_reads_simple_imports_and_gives_up_on_unusual_ones():
    found = quick_imports("import torch\nimport torch.nn as nn, numpy as np\nfrom torch.nn import functional as F\n")
    assert found.aliases == {"torch": "torch", "nn": "torch.nn", "np": "numpy", "F": "torch.nn.functional"}
    assert quick_imports("from torch.nn import (\n    Linear,\n)\n") is None
    assert quick_chains("y = nn.Linear(2)  # F.x\nz = anf.y", ["nn", "F"]) == ["nn.Linear", "F.x"]
