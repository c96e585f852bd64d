/* The latency histogram as inline SVG. */
#include "reports/chart.h"

#include <math.h>
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

/* ---- the load report's chart: latency against rate ---------------------- */

/* The y axis is logarithmic (latencies from 0.1 ms to seconds share one
 * chart), from the decade below the smallest p50 to the decade above the
 * largest p99 or the budget, so the budget line is always on it. The x
 * axis puts the steps at equal distances, labelled with their rates: a
 * ramp's rates double, so that is a log2 scale. */
static double load_decade_floor(uint64_t us)
{
    double d = 1.0;
    while (d * 10.0 <= (double)us) {
        d *= 10.0;
    }
    return d;
}

static double load_y(double us, double lo, double hi)
{
    double v = us < lo ? lo : (us > hi ? hi : us);
    double at = (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
    return CH_TOP + PLOT_H - at * PLOT_H;
}

static double load_x(size_t i, size_t n)
{
    return n <= 1 ? CH_LEFT + PLOT_W / 2.0
                  : CH_LEFT + 20 + (double)i * (PLOT_W - 40) / (double)(n - 1);
}

static void load_axes(FILE *f, const struct rp_load *l, double lo, double hi)
{
    double d = lo;

    /* A tick a decade; counted, so the loop ends whatever the doubles do. */
    for (int k = 0; k < 32 && d <= hi * 1.0001; k++, d *= 10.0) {
        double y = load_y(d, lo, hi);
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d8dee4\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%g</text>\n",
                CH_LEFT, y, CH_LEFT + PLOT_W, y, CH_LEFT - 8, y + 4, d / 1000.0);
    }
    for (size_t i = 0; i < l->n_steps; i++) {
        double x = load_x(i, l->n_steps);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#57606a\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">%llu</text>\n",
                x, CH_TOP + PLOT_H, x, CH_TOP + PLOT_H + 5, x, CH_TOP + PLOT_H + 20,
                (unsigned long long)l->steps[i].rate);
    }
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>\n"
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">deliveries per second "
            "asked for</text>\n"
            "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" class=\"axis\" "
            "transform=\"rotate(-90 16 %d)\">latency (ms, log scale)</text>\n",
            CH_LEFT, CH_TOP, CH_LEFT, CH_TOP + PLOT_H, CH_LEFT, CH_TOP + PLOT_H, CH_LEFT + PLOT_W,
            CH_TOP + PLOT_H, CH_LEFT + PLOT_W / 2, CH_H - 14, CH_TOP + PLOT_H / 2,
            CH_TOP + PLOT_H / 2);
}

/* One percentile's line over the steps that got an answer, with a point
 * per step (red where the step was not ok). */
static void load_series(FILE *f, const struct rp_load *l, bool p99, double lo, double hi,
                        const char *color)
{
    bool open = false;
    for (size_t i = 0; i < l->n_steps; i++) {
        const struct rp_load_step *s = &l->steps[i];
        if (s->latency.samples == 0) {
            continue;
        }
        double us = (double)(p99 ? s->latency.p99_us : s->latency.p50_us);
        fprintf(f, "%s%.1f,%.1f",
                open ? " " : "<polyline fill=\"none\" stroke-width=\"2\" points=\"",
                load_x(i, l->n_steps), load_y(us, lo, hi));
        open = true;
    }
    if (open) {
        fprintf(f, "\" stroke=\"%s\"/>\n", color);
    }
    for (size_t i = 0; i < l->n_steps; i++) {
        const struct rp_load_step *s = &l->steps[i];
        if (s->latency.samples == 0) {
            continue;
        }
        uint64_t us = p99 ? s->latency.p99_us : s->latency.p50_us;
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%llu/s: %s %.1f ms "
                "(%s)</title></circle>\n",
                load_x(i, l->n_steps), load_y((double)us, lo, hi),
                s->status == RP_LOAD_OK ? color : "#cf222e", (unsigned long long)s->rate,
                p99 ? "p99" : "p50", (double)us / 1000.0, rp_load_status_name(s->status));
    }
}

void rp_chart_load_write(FILE *f, const struct rp_load *l)
{
    uint64_t small = UINT64_MAX;
    uint64_t big = l->budget_us;
    size_t answered = 0;

    for (size_t i = 0; i < l->n_steps; i++) {
        const struct rp_load_step *s = &l->steps[i];
        if (s->latency.samples > 0) {
            answered++;
            small = s->latency.p50_us < small ? s->latency.p50_us : small;
            big = s->latency.p99_us > big ? s->latency.p99_us : big;
        }
    }
    double lo = load_decade_floor(small == UINT64_MAX || small < 10 ? 10 : small);
    double hi = load_decade_floor(big) * 10.0;
    fprintf(f,
            "<svg id=\"load-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "role=\"img\" aria-labelledby=\"load-chart-title\">\n"
            "<title id=\"load-chart-title\">Latency (p50 and p99) against the rate asked for, "
            "over %zu steps</title>\n",
            CH_W, CH_H, l->n_steps);
    load_axes(f, l, lo, hi);
    double by = load_y((double)l->budget_us, lo, hi);
    fprintf(f,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#cf222e\" "
            "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
            "class=\"mark\" fill=\"#cf222e\">budget %g ms</text>\n",
            CH_LEFT, by, CH_LEFT + PLOT_W, by, CH_LEFT + PLOT_W - 4, by - 5,
            (double)l->budget_us / 1000.0);
    if (l->has_knee) {
        double kx = load_x(l->knee, l->n_steps);
        /* Labelled at the foot of the plot: the budget's label is at its top. */
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1a7f37\" "
                "stroke-dasharray=\"5 4\" stroke-width=\"1.5\"/><text x=\"%.1f\" y=\"%d\" "
                "text-anchor=\"end\" class=\"mark\" fill=\"#1a7f37\">knee %llu/s</text>\n",
                kx, CH_TOP, kx, CH_TOP + PLOT_H, kx - 5, CH_TOP + PLOT_H - 8,
                (unsigned long long)l->steps[l->knee].rate);
    }
    if (answered == 0) {
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">No delivery got a "
                "response</text>\n",
                CH_LEFT + PLOT_W / 2, CH_TOP + PLOT_H / 2);
    } else {
        load_series(f, l, false, lo, hi, "#1a7f37");
        load_series(f, l, true, lo, hi, "#bc4c00");
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" class=\"mark\" fill=\"#1a7f37\">p50</text>"
                "<text x=\"%d\" y=\"%d\" class=\"mark\" fill=\"#bc4c00\">p99</text>\n",
                CH_LEFT + 4, CH_TOP - 22, CH_LEFT + 44, CH_TOP - 22);
    }
    fputs("</svg>\n", f);
}
