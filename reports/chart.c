/* The latency histogram as inline SVG. */
#include "reports/chart.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Plot geometry, in SVG user units (the element scales to its box). */
#define CH_W      760
#define CH_H      300
#define CH_LEFT   60
#define CH_RIGHT  20
#define CH_TOP    36
#define CH_BOTTOM 56
#define PLOT_W    (CH_W - CH_LEFT - CH_RIGHT)
#define PLOT_H    (CH_H - CH_TOP - CH_BOTTOM)
#define X_TICKS   5 /* RP_CHART_BINS / X_TICKS bins between two labels */

/* The smallest 1, 2 or 5 times a power of ten that is >= v (and >= 1). */
static uint64_t nice_ceiling(uint64_t v)
{
    uint64_t p = 1;
    for (;;) {
        if (v <= p) {
            return p;
        }
        if (v <= 2 * p) {
            return 2 * p;
        }
        if (v <= 5 * p) {
            return 5 * p;
        }
        if (p > UINT64_MAX / 10 / 5) {
            return UINT64_MAX;
        }
        p *= 10;
    }
}

/* A delivery sample: same rule as the model's percentiles. */
/* The latency samples of every delivery step (rp_step_latencies), in one
 * array the caller frees; *n their count. */
static uint64_t *chart_samples(const struct rp_run *run, size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            total += rp_step_latencies(&run->cases[i].steps[j], NULL);
        }
    }
    uint64_t *v = xmalloc((total ? total : 1) * sizeof(uint64_t));
    *n = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            *n += rp_step_latencies(&run->cases[i].steps[j], v + *n);
        }
    }
    return v;
}

void rp_chart_bin(const struct rp_run *run, struct rp_chart_bins *out)
{
    size_t n = 0;
    uint64_t *v = chart_samples(run, &n);
    uint64_t max = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        max = v[i] > max ? v[i] : max;
    }
    /* At least 1 ms wide, so every bin width is a whole number of us. */
    out->hi_us = nice_ceiling(max < 1000 ? 1000 : max);
    out->width_us = out->hi_us / RP_CHART_BINS;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = v[i] / out->width_us;
        size_t bin = b >= RP_CHART_BINS ? RP_CHART_BINS - 1 : (size_t)b;
        out->counts[bin]++;
        out->samples++;
        if (out->counts[bin] > out->max_count) {
            out->max_count = out->counts[bin];
        }
    }
    free(v);
}

static double x_of(uint64_t us, uint64_t hi)
{
    double x = (double)us / (double)hi;
    return CH_LEFT + (x > 1.0 ? 1.0 : x) * PLOT_W;
}

static void put_axes(FILE *f, const struct rp_chart_bins *b, uint64_t ymax)
{
    /* y grid and labels: 0, then steps of ymax/5 (or 1 when ymax < 5) */
    uint64_t step = ymax >= 5 ? ymax / 5 : 1;
    for (uint64_t v = 0; v <= ymax; v += step) {
        double y = CH_TOP + PLOT_H - (double)v / (double)ymax * PLOT_H;
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d8dee4\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%llu</text>\n",
                CH_LEFT, y, CH_LEFT + PLOT_W, y, CH_LEFT - 8, y + 4, (unsigned long long)v);
    }
    for (int t = 0; t <= X_TICKS; t++) {
        uint64_t us = b->hi_us / X_TICKS * (uint64_t)t;
        double x = x_of(us, b->hi_us);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#57606a\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">%g</text>\n",
                x, CH_TOP + PLOT_H, x, CH_TOP + PLOT_H + 5, x, CH_TOP + PLOT_H + 20,
                (double)us / 1000.0);
    }
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>\n",
            CH_LEFT, CH_TOP, CH_LEFT, CH_TOP + PLOT_H, CH_LEFT, CH_TOP + PLOT_H, CH_LEFT + PLOT_W,
            CH_TOP + PLOT_H);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">total time per "
            "delivery (ms)</text>\n"
            "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" class=\"axis\" "
            "transform=\"rotate(-90 16 %d)\">deliveries</text>\n",
            CH_LEFT + PLOT_W / 2, CH_H - 14, CH_TOP + PLOT_H / 2, CH_TOP + PLOT_H / 2);
}

static void put_bars(FILE *f, const struct rp_chart_bins *b, uint64_t ymax)
{
    double bw = (double)PLOT_W / RP_CHART_BINS;
    for (size_t k = 0; k < RP_CHART_BINS; k++) {
        if (b->counts[k] == 0) {
            continue;
        }
        double h = (double)b->counts[k] / (double)ymax * PLOT_H;
        double lo = (double)(b->width_us * k) / 1000.0;
        double hi = (double)(b->width_us * (k + 1)) / 1000.0;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4f7fd6\">"
                "<title>%g to %g ms: %zu deliveries</title></rect>\n",
                CH_LEFT + bw * (double)k + 1, CH_TOP + PLOT_H - h, bw - 2, h, lo, hi, b->counts[k]);
    }
}

/* A dashed line at a percentile, labelled above the plot; row staggers
 * the labels so close percentiles stay readable. */
static void put_marker(FILE *f, const char *name, uint64_t us, uint64_t hi, int row,
                       const char *color)
{
    double x = x_of(us, hi);
    const char *anchor = x > CH_LEFT + PLOT_W * 0.85 ? "end" : "start";
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
            "stroke-dasharray=\"5 4\" stroke-width=\"1.5\"/>"
            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" class=\"mark\" fill=\"%s\">%s %.1f "
            "ms</text>\n",
            x, CH_TOP - 19 + row * 14, x, CH_TOP + PLOT_H, color, x + (anchor[0] == 'e' ? -4 : 4),
            CH_TOP - 22 + row * 14, anchor, color, name, (double)us / 1000.0);
}

void rp_chart_latency_write(FILE *f, const struct rp_run *run)
{
    struct rp_chart_bins b;
    rp_chart_bin(run, &b);
    fprintf(f,
            "<svg id=\"latency-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "role=\"img\" aria-labelledby=\"latency-chart-title\">\n"
            "<title id=\"latency-chart-title\">Histogram of the total time of %zu delivery "
            "responses</title>\n",
            CH_W, CH_H, b.samples);
    uint64_t ymax = b.max_count ? (uint64_t)b.max_count : 1;
    ymax = ymax <= 5 ? ymax : nice_ceiling(ymax);
    put_axes(f, &b, ymax);
    if (b.samples == 0) {
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">No delivery got a "
                "response</text>\n",
                CH_LEFT + PLOT_W / 2, CH_TOP + PLOT_H / 2);
    } else {
        put_bars(f, &b, ymax);
        put_marker(f, "p50", run->latency.p50_us, b.hi_us, 0, "#1a7f37");
        put_marker(f, "p95", run->latency.p95_us, b.hi_us, 1, "#bc4c00");
    }
    fputs("</svg>\n", f);
}
