/* The HTML report's latency chart: an inline SVG histogram of the total
 * time of every delivery exchange that got a response (the samples the
 * model's percentiles are computed over), with axis labels and p50/p95
 * markers. No script, no external asset. */
#ifndef REPORTS_CHART_H
#define REPORTS_CHART_H

#include <stdint.h>
#include <stdio.h>

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

#endif
