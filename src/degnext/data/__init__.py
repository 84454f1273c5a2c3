"""Where a cohort's data comes from: count files, GDC, the authors' release, synthetic cohorts, annotations."""
