# TCGAbiolinks side of benchmarks/bench_labeling_r.py (R and its packages are not project dependencies).
# Usage: Rscript tcgabiolinks_labeling.R dea|chain COUNTS.csv OUT.csv
#   dea:   TCGAanalyze_DEA(method = "exactTest") on the matrix as given
#   chain: TCGAanalyze_Preprocessing(cor.cut = 0.6) -> TCGAanalyze_Normalization(geneInfoHT,
#          "geneLength") -> TCGAanalyze_Filtering("quantile", 0.25) -> TCGAanalyze_DEA("exactTest")
# Normal samples are the barcodes with sample type 11 (characters 14-15). Prints "seconds=<wall>"
# for the analysis alone (reading the CSV is not timed) and writes the DEA table.
suppressMessages({
  library(TCGAbiolinks)
  library(SummarizedExperiment)
})
args <- commandArgs(trailingOnly = TRUE)
mode <- args[1]
table <- data.table::fread(args[2], data.table = FALSE)
counts <- as.matrix(table[, -1])
rownames(counts) <- table[[1]]
rm(table)
normal <- substr(colnames(counts), 14, 15) == "11"
dea <- function(m) {
  is_normal <- substr(colnames(m), 14, 15) == "11"
  TCGAanalyze_DEA(mat1 = m[, is_normal], mat2 = m[, !is_normal], metadata = FALSE,
                  Cond1type = "Normal", Cond2type = "Tumor", method = "exactTest")
}
start <- proc.time()[["elapsed"]]
if (mode == "dea") {
  result <- dea(counts)
} else {
  se <- SummarizedExperiment(
    assays = list(raw_counts = counts),
    rowRanges = GenomicRanges::GRanges("chr1", IRanges::IRanges(seq_len(nrow(counts)), width = 1),
                                       names = rownames(counts)),
    colData = S4Vectors::DataFrame(barcode = colnames(counts),
                                   definition = ifelse(normal, "Solid Tissue Normal",
                                                       "Primary solid Tumor")))
  rm(counts)
  kept <- TCGAanalyze_Preprocessing(se, cor.cut = 0.6, datatype = "raw_counts",
                                    filename = tempfile(fileext = ".png"))
  normalized <- TCGAanalyze_Normalization(kept, geneInfo = geneInfoHT, method = "geneLength")
  filtered <- TCGAanalyze_Filtering(normalized, method = "quantile", qnt.cut = 0.25)
  result <- dea(filtered)
}
cat(sprintf("seconds=%.3f\n", proc.time()[["elapsed"]] - start))
write.csv(result[, c("logFC", "logCPM", "PValue", "FDR")], args[3])
