"""``GeneSetLibraryDataset`` loads the gene sets that enrichment tests predicted genes against."""

from __future__ import annotations

from typing import Any

from kedro.io.core import DatasetError

from degnext.data.gene_sets import GeneSetLibrary, read_gmt, read_go, require_file
from degnext.datasets.input_dataset import InputDataset


class GeneSetLibraryDataset(InputDataset[GeneSetLibrary]):
    """Loads GMT libraries and GO (OBO + GAF) as one ``GeneSetLibrary`` (term -> gene symbols).

    The GMT files are read in order, then GO, whose annotations are propagated to every ancestor
    term (``degnext.data.gene_sets.read_go``); a later file's set replaces an earlier one of the
    same name. With no file the library is empty, and enrichment then draws synthetic sets. A run
    builds ``reporting.gene_set_library`` from ``reporting.enrichment`` (``gmt``, ``go_obo`` +
    ``go_gaf``; ``degnext.input_datasets``).

    Examples:
        In ``catalog.yml``:

        ```yaml
        reporting.gene_set_library:
          type: degnext.datasets.GeneSetLibraryDataset
          gmt: [h.all.v2023.2.Hs.symbols.gmt]
          go_obo: go-basic.obo
          go_gaf: goa_human.gaf
        ```
    """

    def __init__(
        self,
        *,
        gmt: list[str] | None = None,
        go_obo: str | None = None,
        go_gaf: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``GeneSetLibraryDataset``.

        Args:
            gmt: GMT files (MSigDB, Reactome, KEGG exports).
            go_obo: The GO ontology (OBO); given with ``go_gaf`` or not at all.
            go_gaf: GO annotations (GAF 2.x) of gene symbols.
            metadata: Free-form metadata, ignored by Kedro.
        """
        if (go_obo is None) != (go_gaf is None):
            raise DatasetError("GeneSetLibraryDataset: give go_obo and go_gaf together, or neither")
        self._gmt = [str(path) for path in gmt or []]
        self._go_obo, self._go_gaf = go_obo, go_gaf
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"gmt": self._gmt, "go_obo": self._go_obo, "go_gaf": self._go_gaf}

    def check(self) -> None:
        for path in self._gmt:
            require_file(path, "gene-set file")
        if self._go_obo is not None:
            require_file(self._go_obo, "GO ontology file")
            require_file(self._go_gaf, "GO annotation file")

    def load(self) -> GeneSetLibrary:
        library = GeneSetLibrary()
        for path in self._gmt:
            library.update(read_gmt(path))
        if self._go_obo is not None:
            library.update(read_go(self._go_obo, self._go_gaf))
        return library
