"""The Shower Masking dock widget: a binding to the product's layers and small panels."""
