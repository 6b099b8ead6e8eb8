"""Signals of the project pages for the layers above (search/ listens; this layer cannot call it)."""

from django.dispatch import Signal

# Sent by cms.projects.tasks.extract_report_pdf_text with ``instance`` (the report) after it wrote
# new PDF text into the report's row, inside that transaction.
pdf_text_extracted = Signal()
