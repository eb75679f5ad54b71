"""Search motions by text, rank texts for a motion, or classify motions zero-shot, with a model.

    python -m src.retrieve [CHECKPOINT] --query "a person jumps" --motions DIR_OR_DB [--top_k 5]
    python -m src.retrieve [CHECKPOINT] --motion FILE --texts TEXTS_FILE
    python -m src.retrieve [CHECKPOINT] --motion FILE --classify LABELS_FILE   # or --motions DIR_OR_DB

Motions: a folder of .npz (AMASS-style), .bvh (CMU) and .npy (joints; only for position models)
files, searched recursively, or a motion db written by ``src.datasets.amass_parser``. A table goes
to the screen; ``--output results.json`` also writes it as JSON. Motion embeddings are cached by
file content and model (``--cache_dir``), so a second query over the same library encodes nothing.
Files the model cannot read are skipped with a warning. Exit codes as every command
(``src.errors``): 2 for unusable motions, text files or options, 3 for an unusable checkpoint.
"""

import json
import sys
import time

from src import cli
from src.errors import BadInputError
from src.parser.understanding import retrieve_parser


def main(argv=None) -> int:
    return cli.run(retrieve_parser(__doc__), _retrieve, argv)


def _table(rows, header) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _retrieve(args) -> None:
    if args.query is not None and args.motions is None:
        raise BadInputError("--query searches a library: give --motions DIR_OR_DB")
    if args.output is not None and args.output.exists() and not args.overwrite:
        raise BadInputError(f"{args.output} exists (add --overwrite to replace it)")
    from src.retrieval import search
    from src.retrieval.library import default_cache_dir, library_items
    from src.runtime import resolve_device
    from src.utils.fileio import write_text_atomic

    start = time.perf_counter()  # after the imports, which take seconds and do not depend on the query
    texts = search.read_lines(args.texts, "texts") if args.texts else None
    labels = search.read_lines(args.classify, "labels") if args.classify else None
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    index = search.digest_index(cache_dir)
    items = (library_items(args.motions, args.fps, index) if args.motions is not None
             else [search.single_item(args.motion, args.fps, index)])
    loading = time.perf_counter()
    model = search.load_model(args.checkpoint, resolve_device(args.device, args.force_device), index)
    loading = time.perf_counter() - loading
    cache = search.open_cache(cache_dir, model.digest)
    lib = search.embed_items(model.smog, items, cache, strict=args.motion is not None)
    cache.save()
    index.save()

    result = {"checkpoint": str(model.smog.checkpoint), "motions": str(args.motions or args.motion),
              "num_motions": len(lib.names), "skipped": [{"motion": n, "reason": r} for n, r in lib.skipped]}
    if args.query is not None:
        result.update(task="text_to_motion", query=args.query,
                      results=search.search_motions(model.smog, args.query, lib, args.top_k))
        print(f"query: {args.query}")
        print(_table([(r["rank"], f"{r['score']:.3f}", r["motion"]) for r in result["results"]],
                     ("rank", "cosine", "motion")))
    elif texts is not None:
        result.update(task="motion_to_text", results=search.rank_texts(model.smog, lib, texts, args.top_k))
        for row in result["results"]:
            print(f"motion: {row['motion']}")
            print(_table([(m["rank"], f"{m['score']:.3f}", m["text"]) for m in row["matches"]],
                         ("rank", "cosine", "text")))
    else:
        result.update(task="classify", labels=labels, results=search.classify(model.smog, lib, labels, args.top_k))
        for row in result["results"]:
            print(f"motion: {row['motion']}  ->  {row['label']}")
            print(_table([(p["rank"], f"{p['probability']:.3f}", p["label"]) for p in row["probabilities"]],
                         ("rank", "probability", "label")))
    elapsed = time.perf_counter() - start
    print(f"{len(lib.names)} motion(s): {lib.from_cache} from the cache, {len(lib.names) - lib.from_cache} encoded "
          f"in {lib.seconds:.2f} s; model loaded in {loading:.2f} s; {elapsed:.2f} s in all after the imports"
          + (f"; {len(lib.skipped)} skipped" if lib.skipped else ""))
    if args.output is not None:
        write_text_atomic(args.output, json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
