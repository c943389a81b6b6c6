"""`artgan evaluate`: FID, KID, IS, precision/recall of a run beside an average-image floor and a real ceiling."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_checkpoint_argument, add_run_argument, add_runtime_arguments, check_count


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score a trained run (FID, KID, IS, precision/recall) between a floor and a ceiling",
        description="Score a run's samples (from its best checkpoint when training kept one, else its last; "
                    "--checkpoint chooses) against real images of its data set, beside the average-image and "
                    "noise floors and the real held-out ceiling. Writes RUN/evaluation/metrics.json, and the "
                    "self-contained HTML report RUN/evaluation/report.html unless --no-report.",
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    add_checkpoint_argument(parser)
    parser.add_argument("--features", choices=("domain", "inception"), default="domain",
                        help="feature space: 'domain' = a small classifier trained on the run's own data (offline); "
                             "'inception' = the standard Inception-v3 of published FID/IS figures")
    parser.add_argument("--n", type=int, default=1000, help="samples per row (capped by the held-out real images: a quarter of the "
                                                                "data set in domain features, half in inception)")
    parser.add_argument("--data", metavar="SOURCE", help="real images to compare with (default: the run's own data set)")
    parser.add_argument("--classifier", metavar="FILE",
                        help="domain classifier from `artgan classify train` (default: RUN/evaluation/classifier.safetensors, trained if missing)")
    parser.add_argument("--classifier-steps", type=int, default=400, metavar="N", help="training steps when the domain classifier is trained here")
    parser.add_argument("--inception-weights", metavar="FILE", help="Inception-v3 weights file (default: torch hub cache, downloaded once)")
    parser.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                        help="write the self-contained HTML report OUT/report.html")
    parser.add_argument("--out", metavar="DIR", help="folder for metrics.json, report.html and a newly trained "
                                                     "classifier (default: RUN/evaluation; another one for a read-only run)")
    add_runtime_arguments(parser, seed_help="seed of the samples and of the real split")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from artgan.evaluation.evaluate import evaluate, evaluation_folder, format_table, prepare
    from artgan.paths import check_output_folder, check_writable

    check_count("--n", args.n, 10, 50_000, "FID's usual sample count is 50,000")
    out = evaluation_folder(args.run_dir, check_output_folder(args.out) if args.out else None)
    check_writable(out, "use --out DIR to write the scores somewhere else")  # before minutes of scoring
    setup = prepare(args.run_dir, args.features, args.data, args.classifier, args.classifier_steps,
                    args.inception_weights, args.device, args.seed, progress=not args.quiet, out=out,
                    checkpoint=args.checkpoint)
    result = evaluate(args.run_dir, args.features, args.n, args.seed, progress=not args.quiet, setup=setup, out=out)
    print(f"{result['model']} at {setup.model.describe_checkpoint()}, {result['n']} images per row, "
          f"features: {result['features']}")
    print(format_table(result))
    if "per_class" in result:
        from artgan.evaluation.evaluate import format_per_class

        print("\nper class (samples of each class against that class's real images; diversity 1 = as varied "
              "as the real class, 0 = one image):\n" + format_per_class(result["per_class"]))
    if "gan_train_test" in result:
        from artgan.evaluation.classifier import format_gan_train_test

        print("\nGAN-test / GAN-train (Shmelkov et al. 2018):\n" + format_gan_train_test(result["gan_train_test"]))
    print(f"wrote {out / 'metrics.json'}")
    if args.report:
        from artgan.evaluation.report import write_report

        print(f"wrote {write_report(args.run_dir, setup, result, out)}")
    return 0
