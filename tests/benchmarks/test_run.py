"""The benchmark harness's bookkeeping: registry, skipping, sections, report and chart (no timing)."""

import json

import pytest

from benchmarks import run


def test_registry_names_are_unique_and_match_modules_or_adapters():
    benches = run.registry()
    assert {"encode", "scaling", "indexing", "search", "slim", "fusion", "load", "inference_free", "scale"} <= set(benches)
    for bench in benches.values():
        assert bench.adapter is None or callable(getattr(run, bench.adapter))


def test_duplicate_names_are_refused(monkeypatch):
    monkeypatch.setattr(run, "REGISTRY", run.REGISTRY + (run.Benchmark("encode", "again", "x"),))
    with pytest.raises(ValueError, match="duplicate"):
        run.registry()


def test_a_missing_module_is_not_available(tmp_path):
    (tmp_path / "encode.py").write_text("")
    benches = run.registry()
    assert run.available(benches["encode"], tmp_path)
    assert not run.available(benches["slim"], tmp_path)


def result(ratio):
    return {"markdown": "| a | b |\n|---|---|\n| 1 | 2 |\n", "ratios": {"encode docs/s": ratio},
            "command": "python benchmarks/encode.py",
            "harness": {"wall_s": 12.0, "cpu_s": 30.0, "load_before": [3.0, 2, 1], "load_after": [4.0, 2, 1],
                        "peak_rss_mb": 500.0, "children_peak_rss_mb": 900.0, "quick": False}}


def test_section_has_anchor_command_load_memory_table_and_ratio():
    text = run.section_markdown(run.registry()["encode"], result(3.25))
    assert text.startswith("## Document encoding\n")
    assert "pyserini.encode" in text and "`python benchmarks/encode.py`" in text
    assert "load average 3.0 before / 4.0 after" in text and "900 MB (largest child)" in text
    assert "| 1 | 2 |" in text and "encode docs/s **3.25x**" in text


def test_report_lists_headline_ratios_skips_and_sections(tmp_path):
    results = {"encode": result(3.25)}
    chart = run.ratios_chart(results, tmp_path / "ratios.png")
    assert chart is not None and chart.read_bytes()[:4] == b"\x89PNG"
    text = run.report(results, {"cpu": "test cpu", "cores": 2}, {"slim": "benchmarks/slim.py is not in this "
                                                                         "checkout"}, "benchmarks/ratios.png")
    assert text.startswith("# Benchmarks\n")
    assert "| encode docs/s | 3.25x |" in text
    assert "![ratios](benchmarks/ratios.png)" in text
    assert "- `slim`: skipped (benchmarks/slim.py is not in this checkout)." in text
    assert "## Document encoding" in text and "## SLIM" not in text
    assert run.ratios_chart({"scaling": {"markdown": "x"}}, tmp_path / "none.png") is None


def test_saved_results_are_read_back(tmp_path):
    path = run.result_path(tmp_path, "encode")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(result(2.0)))
    assert run.load_results(tmp_path, ["encode", "scaling"]) == {"encode": result(2.0)}
