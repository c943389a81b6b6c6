"""`artgan classify`: the domain classifier, and GAN-train / GAN-test of conditional runs with it."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_run_argument, add_runtime_arguments, check_count


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "classify", help="train the domain classifier on a labelled data set; GAN-train/GAN-test of a conditional run",
        description="A small CNN trained on real labelled images (styles, genres, digits). Its penultimate features "
                    "are the offline feature space of `artgan evaluate --features domain`; its predictions give "
                    "GAN-test and GAN-train (Shmelkov et al. 2018).",
    )
    commands = parser.add_subparsers(dest="classify_command", metavar="{train,test}", required=True)

    train = commands.add_parser("train", help="train a classifier on the reference half of a data set",
                                formatter_class=HelpFormatter)
    train.add_argument("--data", metavar="SOURCE", default="builtin:art", help="labelled images: folder, builtin:art, sklearn:digits, ...")
    train.add_argument("--size", type=int, default=32, help="image side (use the size of the runs it will judge)")
    train.add_argument("--channels", type=int, default=0, help="1, 3, or 0 for the source's own")
    train.add_argument("--label", help="label column (Hugging Face data sets)")
    train.add_argument("--limit", type=int, default=0, help="use at most this many images (0 = all)")
    train.add_argument("--steps", type=int, default=400, help="training steps of 64 images")
    train.add_argument("--width", type=int, default=32, help="channels of the first layer")
    train.add_argument("--out", metavar="FILE", default="classifier.safetensors", help="where the classifier goes")
    add_runtime_arguments(train, seed_help="seed of the real/held-out split and of training", device=False)
    train.set_defaults(run=run_train)

    test = commands.add_parser("test", help="GAN-train and GAN-test of a conditional run, overall and per class",
                               formatter_class=HelpFormatter)
    add_run_argument(test, help="run directory of a conditional model (cdcgan, acgan, can)")
    test.add_argument("--classifier", metavar="FILE", help="real-data classifier (default: RUN/evaluation/classifier.safetensors, trained if missing)")
    test.add_argument("--per-class", type=int, default=200, help="samples per class")
    test.add_argument("--steps", type=int, default=400, help="training steps of each classifier trained here")
    add_runtime_arguments(test, seed_help="seed of the samples and of the real split")
    test.set_defaults(run=run_test)


def run_train(args: argparse.Namespace) -> int:
    from artgan.config import DataConfig
    from artgan.data import load_images
    from artgan.errors import ArtganError
    from artgan.evaluation.domain_classifier import accuracy, per_class_accuracy, save_classifier, train_classifier
    from artgan.evaluation.split import split_real

    check_count("--limit", args.limit, 0, 10_000_000, "images read")
    check_count("--steps", args.steps, 1, 10_000_000, "training steps of 64 images")
    check_count("--width", args.width, 1, 1024, "channels of the first layer; later layers double it")
    data = load_images(DataConfig(source=args.data, size=args.size, channels=args.channels, label=args.label,
                                  limit=args.limit), progress=not args.quiet)
    if not data.labelled:
        raise ArtganError(f"{args.data!r} has no class labels to learn; use a folder with one sub-folder per class")
    reference, held_out = split_real(data, seed=args.seed)
    model = train_classifier(reference.images, reference.labels, data.class_names, steps=args.steps, width=args.width,
                             seed=args.seed, source=args.data, progress=not args.quiet)
    model.info.held_out_accuracy = accuracy(model, held_out.images, held_out.labels)
    path = save_classifier(model, args.out)
    print(f"held-out accuracy {model.info.held_out_accuracy:.1%} on {len(held_out)} images")
    for name, value in zip(data.class_names, per_class_accuracy(model, held_out.images, held_out.labels)):
        print(f"  {name:24s} {value:.1%}")
    print(f"wrote {path}")
    return 0


def run_test(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from artgan.evaluation.classifier import check_classes, format_gan_train_test, gan_train_test
    from artgan.evaluation.evaluate import domain_classifier_for, run_data
    from artgan.evaluation.split import split_real
    from artgan.generation import load_generator

    check_count("--per-class", args.per_class, 1, 100_000, "samples of each class")
    check_count("--steps", args.steps, 1, 10_000_000, "training steps of each classifier")

    model = load_generator(args.run_dir, device=args.device)
    reference, held_out = split_real(run_data(model, progress=not args.quiet), seed=args.seed)
    classifier = domain_classifier_for(Path(args.run_dir), reference, held_out, args.steps, not args.quiet, args.classifier)
    check_classes(model, classifier)
    scores = gan_train_test(model, classifier, held_out, args.per_class, args.steps, args.seed, not args.quiet)
    print(format_gan_train_test(scores))
    out = Path(args.run_dir) / "evaluation" / "gan_train_test.json"
    out.write_text(json.dumps(scores, indent=2) + "\n")
    print(f"wrote {out}")
    return 0
