"""The DEGnext network, its training and its one inference path."""
