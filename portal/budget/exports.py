"""The budget as downloads: the whole of it as plain data (JSON) and as a spreadsheet (CSV).

Built from what portal.budget.service reads and totals, so a download says what the result page says.
"""

import csv
import io
from typing import Any

from flask_babel import gettext as _

from portal.budget.labels import frequency_label
from portal.budget.service import flags_for, household_of, item_labels, lines_of, structure_for, summary_of
from portal.models import Budget, Creditor
from portal.money import Money


def _decimal(minor: int, currency: str) -> str:
    return str(Money(minor, currency).to_decimal())


def export_data(budget: Budget, creditor: Creditor) -> dict[str, Any]:
    """The whole budget as plain data for the JSON download: amounts in minor units and as decimals."""
    structure = structure_for(budget)
    summary = summary_of(budget)
    saved = lines_of(budget)
    household = household_of(budget)
    flags = flags_for(budget, summary, creditor)
    labels = item_labels(structure)
    currency = budget.currency
    return {
        "budget": budget.id,
        "kind": "quick" if budget.mode == "quick" else "full",
        "estimate": summary.estimate,
        "jurisdiction": budget.jurisdiction,
        "currency": currency,
        "updated_at": budget.updated_at.isoformat(),
        "household": None
        if household is None
        else {"adults": household.adults, "children": household.children, "vehicles": household.vehicles},
        "sections": [
            {
                "id": section.id,
                "label": labels[section.id],
                "kind": str(section.kind),
                "monthly_minor": summary.section_totals[section.id],
                "lines": [
                    {
                        "id": line.id,
                        "label": labels[line.id],
                        "amount_minor": saved[line.id].amount_minor if line.id in saved else 0,
                        "frequency": str(saved[line.id].frequency) if line.id in saved else None,
                        "monthly_minor": summary.line_totals[line.id],
                    }
                    for line in section.lines
                ],
            }
            for section in structure.sections
        ],
        "totals": {
            "income_monthly_minor": summary.income_total,
            "outgoings_monthly_minor": summary.outgoings_total,
            "left_monthly_minor": summary.disposable,
            "income_monthly": _decimal(summary.income_total, currency),
            "outgoings_monthly": _decimal(summary.outgoings_total, currency),
            "left_monthly": _decimal(summary.disposable, currency),
        },
        "above_guideline": [
            {
                "id": flag.item_id,
                "label": labels[flag.item_id],
                "monthly_minor": flag.monthly_minor,
                "guideline_minor": flag.guideline_minor,
                "explanation": (budget.explanations or {}).get(flag.item_id, ""),
            }
            for flag in flags
        ],
    }


def _cell(value: str) -> str:
    """Stop a spreadsheet reading the debtor's own words as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(budget: Budget, creditor: Creditor) -> str:
    """The budget as a spreadsheet: one row per line, then the totals; amounts as decimals."""
    data = export_data(budget, creditor)
    currency = data["currency"]
    explanations = {flag["id"]: flag["explanation"] for flag in data["above_guideline"]}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Section"), _("Item"), _("Amount"), _("How often"), _("Each month"), _("Why it is more than the guideline")]
    )
    for section in data["sections"]:
        for line in section["lines"]:
            writer.writerow(
                [
                    section["label"],
                    line["label"],
                    _decimal(line["amount_minor"], currency),
                    frequency_label(line["frequency"]) if line["frequency"] else "",
                    _decimal(line["monthly_minor"], currency),
                    _cell(explanations.get(line["id"], "")),
                ]
            )
        writer.writerow(
            [
                section["label"],
                _("Total"),
                "",
                "",
                _decimal(section["monthly_minor"], currency),
                _cell(explanations.get(section["id"], "")),
            ]
        )
    totals = data["totals"]
    writer.writerow([_("Money coming in each month"), "", "", "", totals["income_monthly"], ""])
    writer.writerow([_("Money going out each month"), "", "", "", totals["outgoings_monthly"], ""])
    writer.writerow([_("Left each month"), "", "", "", totals["left_monthly"], ""])
    return out.getvalue()
