"""``lsr-lucene setup``: install the offline models and build the plugin jar (idempotent)."""

from __future__ import annotations

import argparse

from ..errors import SetupError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", nargs="*", default=None, help="models to install (default: all registered)")
    parser.add_argument("--no-plugin", action="store_true", help="skip building the java/ plugin jar")


def run(args: argparse.Namespace) -> int:
    from .. import jvm
    from ..javabuild import build_plugin_jar
    from ..models import MODELS, install_model

    for name in args.models if args.models is not None else MODELS.names():
        print(f"model {name}: {install_model(name)}")
    print(f"anserini: {jvm.anserini_jar()}")
    print(f"java runtime: {jvm.java_home()}")
    if not args.no_plugin:
        try:
            print(f"plugin jar: {build_plugin_jar(jvm.anserini_jar(), jvm.java_home())}")
        except SetupError as exc:
            print(f"plugin jar: not built ({exc})")
    return 0
