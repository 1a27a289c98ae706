"""The rule sets' own words, as source texts of the portal's catalogs.

The rule sets are written in English and reach the portal through the services' APIs; this list
only lets translators see their titles, so the Handbook speaks its reader's language. Numbers never
come from here. A title the rule sets gain later shows in English until it is added here and
translated (tests/integration/test_handbook_rules.py names any such title).
"""


def _(text: str) -> str:  # marks a text for extraction; translated where it is shown
    return text


RULE_TEXTS = (
    # questionnaire: chapters
    _("Management systems, transparency and traceability"),
    _("Minimum age, child labour and young workers"),
    _("Forced labour"),
    _("Non-discrimination"),
    _("Disciplinary practices, harassment and abuse"),
    _("Freedom of association and grievance mechanisms"),
    _("Working hours and overtime"),
    _("Remuneration and benefits"),
    _("Health and safety"),
    _("Environmental management system"),
    _("Energy, transport and GHG"),
    _("Water use"),
    _("Wastewater and effluent"),
    _("Emissions to air"),
    _("Waste"),
    _("Pollution prevention and hazardous substances"),
    _("Emergency response"),
    # questionnaire: critical questions
    _("All production units used for the buyer's orders were disclosed to the auditor."),
    _("Management gave the auditor free access to premises, records and workers, without offers of money or gifts."),
    _("No worker below the legal minimum working age (and never below 15) was found on site."),
    _("No worker is held in bonded, prison or forced labour, and every worker may leave at the end of a shift."),
    _("No corporal punishment, threats of violence, or physical, sexual or verbal abuse was found."),
    _("Emergency exits are unlocked, unobstructed and lead to a safe place."),
    _("No building, electrical or machinery condition puts life or health in imminent danger."),
    _("No untreated industrial wastewater is discharged to the environment (no bypass)."),
    # monitoring: zero-tolerance topics
    _("Child labour"),
    _("Forced or bonded labour"),
    _("Inhumane treatment"),
    _("Imminent danger to life or health"),
    _("Bribery of or obstruction to the auditor"),
    _("Hidden production units"),
    # documents: the months of records read in each sampled worker's file
    _("The current month"),
    _("The previous month"),
    _("A month of peak or low season"),
    # documents: what the auditor reviews
    _("Business licence and registration of every production unit, and the list of subcontractors and of processes done outside"),
    _("Written policies and procedures: recruitment, non-discrimination, discipline, grievances, and the signed Code of Conduct"),
    _("Personnel files: employment contract, copy of an identity document and proof of age"),
    _("Register of young workers, with their working hours, tasks and health checks"),
    _("Time records: clock cards or attendance records, with overtime requests and approvals"),
    _("Payroll records and payslips, with proof of payment and of social insurance contributions"),
    _("Leave records: annual, sick and maternity leave"),
    _("Minutes of worker committee or union meetings, collective agreements and the grievance log"),
    _("Building, fire and electrical safety certificates, fire drill and training records, the accident log and machine maintenance records"),
    _("Environmental permits, energy and water bills, and test reports of wastewater and air emissions"),
    _("Waste contracts and transfer notes, the chemical inventory with safety data sheets, and the emergency response plan"),
)
