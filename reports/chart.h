/* The HTML reports' charts, inline SVG, no script, no external asset. The
 * conformance report's: a histogram of the total time of every delivery
 * exchange that got a response (the samples the model's percentiles are
 * computed over), with axis labels and p50/p95 markers. The load report's:
 * latency against rate (rp_chart_load_write). */
#ifndef REPORTS_CHART_H
#define REPORTS_CHART_H

#include <stdint.h>
#include <stdio.h>

#include "reports/load.h"
#include "reports/model.h"

#define RP_CHART_BINS 20

struct rp_chart_bins {
    uint64_t hi_us;               /* upper bound of the x axis (a 1-2-5 step) */
    uint64_t width_us;            /* one bin's width: hi_us / RP_CHART_BINS */
    size_t counts[RP_CHART_BINS]; /* samples per bin: [k*width, (k+1)*width) */
    size_t samples;
    size_t max_count;
};

/* Counts run's delivery samples into bins. */
void rp_chart_bin(const struct rp_run *run, struct rp_chart_bins *out);
/* Writes the <svg id="latency-chart"> element (written even without
 * samples: it then says so). */
void rp_chart_latency_write(FILE *f, const struct rp_run *run);
/* Writes the load report's <svg id="load-chart">: p50 and p99 against the
 * rate of each step (log latency axis), the budget and the knee marked. */
void rp_chart_load_write(FILE *f, const struct rp_load *l);

#endif
