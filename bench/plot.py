#!/usr/bin/python3
"""Draws llm-bench's and llm-serve-bench's JSON reports as PNG charts.

    /usr/bin/python3 bench/plot.py REPORT.json [REPORT.json ...] [-o DIR]

Each chart is drawn when the reports hold its workload. From llm-bench
reports:
  throughput_vs_batch.png    decode (steady decode tokens/s per batch) and
                             concurrency (output tokens/s per level), with
                             llm-estimate's prediction dashed
  latency_vs_throughput.png  concurrency: median and p99 TPOT against output
                             tokens/s, one point per concurrency level
  ttft_vs_prompt.png         ttft: mean TTFT (p90 as the bar's top) per
                             prompt length, predicted dashed
  static_vs_continuous.png   static-vs-continuous: output tokens/s and median
                             E2E latency of both modes
From peer reports (bench/peers: the same workloads measured on other systems
in the same device call): their decode points in throughput_vs_batch.png and
their static batching bar in static_vs_continuous.png, beside ours.
From llm-serve-bench reports (--json):
  online_latency_vs_throughput.png
                             TTFT p50 and p99 and TPOT p50 against achieved
                             output tokens/s, Poisson rows and concurrency
                             rows as separate series, each point labelled
                             with its rate or client count

Several reports (engines, devices, commits) are drawn as separate series,
labelled with the model, the engine and the device. Uses Debian's python3-matplotlib
(scripts/install-deps.sh), which installs for /usr/bin/python3.
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def series_label(report):
    if report.get("tool") == "peer":
        return f"{report['system']} on {report['device']}"
    device = report.get("device", {}).get("device", "unknown device")
    engine = report.get("engine")
    # The engine directory tells apart engines of one model (e.g. slot counts).
    model = report.get("model", "?") + (f" ({engine})" if engine else "")
    return f"{model} on {device}"


def results(report, workload):
    return [r for r in report.get("results", []) if r["workload"] == workload]


def predicted_tokens_per_second(result):
    estimate = result.get("estimate")
    if not estimate:
        return None
    rate = estimate.get("decode_tokens_per_second", 0)
    return rate if rate > 0 else None


def save(figure, directory, name):
    path = os.path.join(directory, name)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    print(path)


def finish_line_chart(figure, axes, drawn, directory, name, title, xlabel, ylabel,
                      log_x=False):
    """Labels, grid and legend of a line chart, then saves it; a chart with no
    series is dropped."""
    if not drawn:
        plt.close(figure)
        return
    if log_x:
        axes.set_xscale("log", base=2)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    save(figure, directory, name)


def throughput_vs_batch(reports, peers, directory):
    figure, axes = plt.subplots(figsize=(7, 4.5))
    drawn = False
    for peer in peers:
        decode = sorted(results(peer, "decode"), key=lambda r: r["batch"])
        if decode:
            axes.plot([r["batch"] for r in decode], [r["steady_tokens_per_second"] for r in decode],
                      "D:", color="tab:gray", label=f"{series_label(peer)}: decode (peer)")
            drawn = True
    for report in reports:
        label = series_label(report)
        decode = sorted(results(report, "decode"), key=lambda r: r["params"]["batch"])
        if decode:
            batches = [r["params"]["batch"] for r in decode]
            rates = [
                r["steady_decode"]["tokens_per_second"]
                or r["throughput"]["output_tokens_per_second"]
                for r in decode
            ]
            axes.plot(batches, rates, "o-", label=f"{label}: decode")
            predicted = [(b, predicted_tokens_per_second(r)) for b, r in zip(batches, decode)]
            predicted = [(b, p) for b, p in predicted if p]
            if predicted:
                axes.plot(*zip(*predicted), "x--", label=f"{label}: predicted")
            drawn = True
        levels = sorted(results(report, "concurrency"), key=lambda r: r["params"]["concurrency"])
        if levels:
            axes.plot(
                [r["params"]["concurrency"] for r in levels],
                [r["throughput"]["output_tokens_per_second"] for r in levels],
                "s-",
                label=f"{label}: closed loop",
            )
            drawn = True
    finish_line_chart(figure, axes, drawn, directory, "throughput_vs_batch.png",
                      "Throughput against batch size",
                      "batch (decode) / requests in flight (closed loop)",
                      "output tokens/s", log_x=True)


def latency_vs_throughput(reports, directory):
    figure, axes = plt.subplots(figsize=(7, 4.5))
    drawn = False
    for report in reports:
        levels = sorted(results(report, "concurrency"), key=lambda r: r["params"]["concurrency"])
        levels = [r for r in levels if r["latency"]["tpot"]["count"] > 0]
        if not levels:
            continue
        label = series_label(report)
        rates = [r["throughput"]["output_tokens_per_second"] for r in levels]
        median = [1e3 * r["latency"]["tpot"]["median"] for r in levels]
        p99 = [1e3 * r["latency"]["tpot"]["p99"] for r in levels]
        axes.plot(rates, median, "o-", label=f"{label}: TPOT median")
        axes.plot(rates, p99, "v:", label=f"{label}: TPOT p99")
        for rate, value, r in zip(rates, median, levels):
            axes.annotate(str(r["params"]["concurrency"]), (rate, value),
                          textcoords="offset points", xytext=(4, 4), fontsize=7)
        drawn = True
    finish_line_chart(figure, axes, drawn, directory, "latency_vs_throughput.png",
                      "Latency against throughput (labels: requests in flight)",
                      "output tokens/s", "TPOT (ms)")


def ttft_vs_prompt(reports, directory):
    figure, axes = plt.subplots(figsize=(7, 4.5))
    drawn = False
    for report in reports:
        runs = sorted(results(report, "ttft"), key=lambda r: r["params"]["prompt"])
        runs = [r for r in runs if r["latency"]["ttft"]["count"] > 0]
        if not runs:
            continue
        label = series_label(report)
        prompts = [r["params"]["prompt"] for r in runs]
        mean = [1e3 * r["latency"]["ttft"]["mean"] for r in runs]
        p90 = [1e3 * r["latency"]["ttft"]["p90"] for r in runs]
        axes.errorbar(prompts, mean, yerr=[[0] * len(mean), [max(0, h - m) for h, m in zip(p90, mean)]],
                      fmt="o-", capsize=3, label=f"{label}: mean (bar to p90)")
        predicted = [(p, 1e3 * r["estimate"]["ttft_seconds"]) for p, r in zip(prompts, runs) if r.get("estimate")]
        if predicted:
            axes.plot(*zip(*predicted), "x--", label=f"{label}: predicted")
        drawn = True
    finish_line_chart(figure, axes, drawn, directory, "ttft_vs_prompt.png",
                      "Time to first token against prompt length",
                      "prompt tokens", "TTFT (ms)", log_x=True)


def static_vs_continuous(reports, peers, directory):
    rows = []
    for report in reports:
        for r in results(report, "static-vs-continuous"):
            # One line each for model, device and mode: the bars are narrow.
            name = series_label(report).replace(" on ", "\n")
            rows.append((f"{name}\n{r['mode']}", r))
    if not rows:
        return
    # Peers measured only throughput: their bars stand in the left chart.
    peer_rows = [(series_label(peer).replace(" on ", "\n") + f"\n{r['mode']}", r)
                 for peer in peers for r in results(peer, "static-vs-continuous")]
    figure, (rate_axes, latency_axes) = plt.subplots(1, 2, figsize=(12 if peer_rows else 10, 4.5))
    names = [name for name, _ in rows]
    colors = ["tab:gray" if r["mode"] == "static" else "tab:blue" for _, r in rows]
    rate_axes.bar(names + [name for name, _ in peer_rows],
                  [r["throughput"]["output_tokens_per_second"] for _, r in rows] +
                  [r["output_tokens_per_second"] for _, r in peer_rows],
                  color=colors + ["tab:orange"] * len(peer_rows))
    rate_axes.set_yscale("log" if peer_rows else "linear")
    rate_axes.set_ylabel("output tokens/s")
    rate_axes.set_title("Throughput")
    latency_axes.bar(names, [r["latency"]["e2e"]["median"] for _, r in rows], color=colors)
    latency_axes.set_ylabel("median E2E latency (s)")
    latency_axes.set_title("Latency")
    for axes in (rate_axes, latency_axes):
        axes.tick_params(axis="x", labelsize=7)
        axes.grid(True, axis="y", alpha=0.3)
    ratios = [
        f"{c['name']}: {c['value']:.2f}"
        for report in reports
        for c in report.get("comparisons", [])
    ]
    figure.suptitle("Static against continuous batching" + ("\n" + "; ".join(ratios) if ratios else ""),
                    fontsize=10)
    save(figure, directory, "static_vs_continuous.png")


def online_points(report, workload):
    """The report's rows of one online workload that produced tokens, in the
    order of their load (rate, with "all at once" last, or client count)."""
    rows = [r for r in results(report, workload) if r["latency"]["ttft"]["count"] > 0]
    if workload == "poisson":
        rows.sort(key=lambda r: float("inf") if r["params"]["rate"] is None else r["params"]["rate"])
        labels = ["all" if r["params"]["rate"] is None else f"{r['params']['rate']:g}/s" for r in rows]
    else:
        rows.sort(key=lambda r: r["params"]["concurrency"])
        labels = [str(r["params"]["concurrency"]) for r in rows]
    return rows, labels


def online_latency_vs_throughput(reports, directory):
    figure, (ttft_axes, tpot_axes) = plt.subplots(1, 2, figsize=(11, 4.5))
    drawn = False
    styles = {"poisson": ("tab:blue", "Poisson"), "concurrency": ("tab:orange", "concurrency")}
    for report in reports:
        for workload, (color, name) in styles.items():
            rows, labels = online_points(report, workload)
            if not rows:
                continue
            label = f"{report.get('url', '?')}: {name}"
            rates = [r["throughput"]["output_tokens_per_second"] for r in rows]
            ttft = [1e3 * r["latency"]["ttft"]["median"] for r in rows]
            ttft_axes.plot(rates, ttft, "o-", color=color, label=f"{label} p50")
            ttft_axes.plot(rates, [1e3 * r["latency"]["ttft"]["p99"] for r in rows], "v:", color=color,
                           label=f"{label} p99")
            for x, y, t in zip(rates, ttft, labels):
                ttft_axes.annotate(t, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
            tpot_rows = [(x, 1e3 * r["latency"]["tpot"]["median"], t)
                         for x, r, t in zip(rates, rows, labels) if r["latency"]["tpot"]["count"] > 0]
            if tpot_rows:
                xs, ys, _ = zip(*tpot_rows)
                tpot_axes.plot(xs, ys, "o-", color=color, label=f"{label} p50")
                for x, y, t in tpot_rows:
                    tpot_axes.annotate(t, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
            drawn = True
    if not drawn:
        plt.close(figure)
        return
    for axes, ylabel, title in ((ttft_axes, "TTFT (ms)", "Time to first token"),
                                (tpot_axes, "TPOT (ms)", "Time per output token")):
        axes.set_xlabel("achieved output tokens/s")
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=7)
    figure.suptitle("Online latency against throughput (labels: arrival rate or clients)", fontsize=10)
    save(figure, directory, "online_latency_vs_throughput.png")


def main(argv):
    parser = argparse.ArgumentParser(
        description="Draws llm-bench and llm-serve-bench JSON reports as PNG charts.")
    parser.add_argument("reports", nargs="+",
                        help="llm-bench or llm-serve-bench --json outputs, peer reports")
    parser.add_argument("-o", "--output", default=".", help="directory for the PNG files")
    args = parser.parse_args(argv)
    reports = []
    for path in args.reports:
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, json.JSONDecodeError) as error:
            sys.exit(f"plot.py: error: {path}: {error}")
        if report.get("tool") not in ("llm-bench", "llm-serve-bench", "peer"):
            sys.exit(f"plot.py: error: {path} is not an llm-bench, llm-serve-bench or peer report")
        reports.append(report)
    os.makedirs(args.output, exist_ok=True)
    offline = [r for r in reports if r["tool"] == "llm-bench"]
    online = [r for r in reports if r["tool"] == "llm-serve-bench"]
    peers = [r for r in reports if r["tool"] == "peer"]
    throughput_vs_batch(offline, peers, args.output)
    latency_vs_throughput(offline, args.output)
    ttft_vs_prompt(offline, args.output)
    static_vs_continuous(offline, peers, args.output)
    online_latency_vs_throughput(online, args.output)


if __name__ == "__main__":
    main(sys.argv[1:])
