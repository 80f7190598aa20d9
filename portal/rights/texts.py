"""The words of the rights packs, in the reader's language.

The packs are data (packs/*.json), so pybabel cannot see their text there; each text is listed here
once so it is extracted into the catalog, and ``say()`` looks it up when a page is drawn. A test
checks that this list and the packs agree.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

#: every text of every pack, UK first, then US
TEXTS = (
    # UK
    _l("Financial Conduct Authority (FCA) rules"),
    _l(
        "These are your rights when %(creditor)s collects a debt from you in the UK. Free, independent help "
        "is listed below."
    ),
    _l("What we must do"),
    _l(
        "Firms that collect debts in the UK must follow the rules of the Financial Conduct Authority (FCA). "
        "They must treat you fairly, and help you if you are finding it hard to pay."
    ),
    _l("If you are finding it hard to pay, we must:"),
    _l("listen to you and take your situation into account"),
    _l("give you time to get free debt advice and make a plan, and pause collection while you do"),
    _l("think about accepting lower payments that you can afford"),
    _l("think about stopping, reducing or taking off interest and charges"),
    _l("think about accepting a small payment for a while if that is all you can afford"),
    _l("tell you where to get free debt advice"),
    _l("never pressure you, or ask you to borrow money to pay us"),
    _l("How to propose a payment plan"),
    _l(
        "First work out what you can afford after your essential bills, such as rent, energy, council tax and"
        " food. A free debt adviser can help you with this."
    ),
    _l(
        "Then tell us how much you can pay and how often. You can do this from your accounts page, or by "
        "calling us. We will look at your offer fairly and tell you our answer."
    ),
    _l("Interest and charges"),
    _l("Each account page shows every amount of interest and every fee added to your balance, with its date."),
    _l(
        "Charges must be fair, and no more than what it costs to deal with a missed payment. If you are "
        "finding it hard to pay, you can ask us to stop adding interest and charges. We must think about it."
    ),
    _l("Free, independent debt advice"),
    _l(
        "These organisations give free and confidential advice. They are not part of %(creditor)s. They will "
        "not judge you."
    ),
    _l("Some companies charge for debt help. You do not need to pay: these organisations are free."),
    _l("Breathing Space"),
    _l(
        "Breathing Space is a scheme in England and Wales. It gives you legal protection from the people you "
        "owe while you get help with your debts."
    ),
    _l("During Breathing Space, most creditors must:"),
    _l("stop adding interest, fees and charges"),
    _l("stop contacting you to ask for payment"),
    _l("stop enforcement action, such as going to court"),
    _l("A standard Breathing Space lasts 60 days. You apply through a debt adviser, such as the ones above."),
    _l(
        "A mental health crisis Breathing Space is for people getting mental health crisis treatment. It "
        "lasts as long as the treatment, and 30 days more. An Approved Mental Health Professional confirms "
        "the treatment, and a debt adviser applies for you."
    ),
    _l("You should keep paying your ongoing bills, such as rent, energy and council tax, if you can."),
    _l("In Scotland there is a similar scheme, called a moratorium. There is no similar scheme in Northern Ireland."),
    _l(
        "When we are told you are in Breathing Space, we put your accounts on hold. Your account page shows "
        "when the hold ends."
    ),
    _l("If you think a debt is wrong"),
    _l(
        "If you think a debt is not yours, the amount is wrong, or you have already paid it, you can dispute it. "
        "We stop asking you for payment on that account while we check, and we tell you what we found."
    ),
    _l("Old debts (statute-barred debts)"),
    _l(
        "There is a time limit for taking you to court over a debt. In England, Wales and Northern Ireland it is "
        "usually 6 years. In Scotland it is usually 5 years. The time usually counts from when you last made a "
        "payment, or last wrote to say you owe the debt."
    ),
    _l("When the time limit has passed, the debt is statute-barred. This means:"),
    _l("you cannot be taken to court for it, and we must not say or suggest that you can"),
    _l(
        "in England, Wales and Northern Ireland, you still owe the money: you can choose to pay it, but you do "
        "not have to"
    ),
    _l("if you pay some of it, you still cannot be taken to court for the rest"),
    _l("in Scotland, a statute-barred debt no longer exists, so you do not have to pay it"),
    _l("If we know a debt is statute-barred, we tell you: its account page and its payment page say so."),
    _l(
        "If you think a debt is statute-barred, tell us. We stop asking you for payment on that account while "
        "we check, and we tell you what we found. If it is statute-barred, we will not ask you to pay it."
    ),
    _l("A free debt adviser can help you work out if a debt is statute-barred."),
    _l("How to complain"),
    _l(
        "If you are unhappy with how we have treated you, tell us. You can call us or write to us. It is free"
        " to complain."
    ),
    _l("We will send you our final answer within 8 weeks."),
    _l(
        "If you are not happy with our answer, or you have not had it after 8 weeks, you can ask the "
        "Financial Ombudsman Service to look at your complaint. It is free and independent. You usually need "
        "to contact them within 6 months of our final answer."
    ),
    _l("What missed payments mean for your credit file"),
    _l(
        "Lenders share information about your accounts with credit reference agencies. The main ones are "
        "Experian, Equifax and TransUnion. Other lenders look at this when you ask to borrow."
    ),
    _l("A missed payment can be recorded on your credit file."),
    _l(
        "If payments are missed for a few months (usually 3 to 6), the account can be recorded as in default."
        " You will be told before this happens."
    ),
    _l(
        "A default stays on your credit file for 6 years from the date of the default, even after you pay. "
        "When it is paid in full, it is marked as satisfied."
    ),
    _l("An agreed payment plan can be recorded on your credit file as an arrangement to pay."),
    _l("You can check your credit file for free with each credit reference agency."),
    _l("Free money guidance, backed by the government. It can put you in touch with a debt adviser near you."),
    _l("Free debt advice online or by phone."),
    _l("Free debt advice by phone, webchat and online."),
    _l(
        "Free advice on debt, benefits and more, by phone, online or at a local office. The phone number is "
        "for England; the website has numbers for Wales, Scotland and Northern Ireland."
    ),
    _l("Free and independent. It settles complaints between people and financial businesses."),
    # US
    _l("Fair Debt Collection Practices Act and Regulation F"),
    _l(
        "These are your rights under federal law when %(creditor)s collects a debt from you. Your state may "
        "give you more rights."
    ),
    _l("Information about your debt"),
    _l(
        "A debt collector must tell you about each debt: who it is owed to, how much you owe, and how that "
        "amount was worked out. Each of your accounts has a page with this validation information."
    ),
    _l("Your right to dispute a debt"),
    _l("If you think a debt is not yours, the amount is wrong, or you have already paid it, you can dispute it."),
    _l(
        "If you dispute in writing by the end of the validation period, we must stop collecting the amount "
        "you dispute until we send you information that shows you owe it. A dispute sent through this website"
        " counts as writing."
    ),
    _l("You can still dispute after that date. We will look into it, and we will not ask you for payment while we do."),
    _l("Ask who the debt first belonged to"),
    _l(
        "You can ask for the name and address of the original creditor. If you ask in writing by the end of "
        "the validation period, we must stop collection until we send you that information."
    ),
    _l("How and when we may contact you"),
    _l("We may not call you before 8 a.m. or after 9 p.m. your time."),
    _l("You can tell us not to contact you at work, or in a certain way, and we must stop."),
    _l(
        "You can tell us in writing to stop contacting you. After that, we may contact you only to say we "
        "will stop, or to tell you about a specific action we may take."
    ),
    _l("We may not harass you, threaten you, use bad language or lie to you."),
    _l(
        "We may not talk about your debt with other people, such as your employer, family or neighbors, "
        "except in the few cases the law allows."
    ),
    _l("Old debts"),
    _l(
        "There is a time limit for suing someone over a debt. It depends on your state and the kind of debt. "
        "A debt collector may not sue you, or threaten to sue you, over a debt that is past this limit. If "
        "one of your debts is past it, its page says so."
    ),
    _l("In some states, a payment on an old debt can restart the time limit."),
    _l("Free help and complaints"),
    _l(
        "If you think a debt collector has broken the law, you can complain to the Consumer Financial "
        "Protection Bureau or to your state attorney general."
    ),
    _l(
        "The federal agency for consumer finance. Learn more about your rights, or send a complaint about a "
        "debt collector."
    ),
    _l("Nonprofit credit counselors who can help you make a budget and a plan for your debts."),
)


def say(text: str, **values: str) -> str:
    """A pack text in the reader's language, with its %(name)s placeholders filled in."""
    return gettext(text, **values)
