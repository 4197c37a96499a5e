"""Traffic decisions (SPEC R-TRF): tiers, pools, note modifiers, horse racing, low-price
products, teen mode, paid promotion — every decision with its reasons (限流诊断)."""
