"""``lsr-lucene``: learned sparse retrieval on Lucene. Each command imports its work only when it runs, so
``--help`` is instant and needs no Java."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from .. import __version__
from ..errors import LsrLuceneError

COMMANDS = {
    "setup": "install the offline models and build the java/ plugin jar",
    "encode": "encode documents (or queries) into quantized impact vectors",
    "index": "build a Lucene impact index from vectors, or a BM25 index from text",
    "search": "search an index with pre-encoded query vectors (or BM25 text queries)",
    "evaluate": "score TREC run files against qrels (nDCG@10, MRR@10, recall)",
    "run": "the whole pipeline on a collection, ending with a report against BM25",
    "explain": "show why the top hits of a text query score what they do: each matching term's query x document "
               "impact",
    "inspect": "print one document's (or query's) impact vector from a vectors folder",
    "verify": "check an index against its manifest and vectors (counts, ids, sampled postings)",
    "delete": "delete documents by id from an impact index",
    "merge-indexes": "merge impact indexes (built on several machines or from parts of a corpus) into one",
    "export-opensearch": "write encoded vectors as an OpenSearch rank_features mapping, bulk and msearch files",
    "index-dense": "encode documents with a dense model and build a faiss index (Pyserini FaissSearcher layout)",
    "fuse": "fuse TREC run files (RRF, min-max, z-score, raw), with given weights or weights tuned on held-out qrels",
    "train": "train a SPLADE or inference-free sparse encoder from a config file (resumable)",
    "adapt": "adapt a sparse encoder to a collection without judgments: pseudo-queries from its corpus, distilled "
             "from BM25 + dense + the starting model (resumable)",
}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: X)" to an option's help only where it adds something: not when the help already speaks
    of its default, not for a None default, not for on/off flags."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        if "default" in help_text or action.default is None or action.nargs == 0:
            return help_text
        return super()._get_help_string(action)


def _module(command: str) -> str:
    return command.replace("-", "_") + "_cmd"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lsr-lucene", description="Learned sparse retrieval on Lucene: encode, "
                                     "index, search and evaluate.")
    parser.add_argument("--version", action="version", version=f"lsr-lucene {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f".{_module(name)}", __package__)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                                            formatter_class=HelpFormatter))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="lsr-lucene: %(levelname)s: %(message)s")
    if getattr(args, "quiet", False):  # also the bars of Hugging Face libraries (transformers' "Loading weights")
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    module = importlib.import_module(f".{_module(args.command)}", __package__)
    try:
        return int(module.run(args) or 0)
    except LsrLuceneError as exc:
        print(f"lsr-lucene {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"lsr-lucene {args.command}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
