#!/usr/bin/env python3
"""Writes samples/QuickStart/tickets.csv: a small, made-up customer-support dataset (6 queues).

Deterministic (seeded). Queues share much of their vocabulary ("order", "account", "charge", "app"), so a
model has to read more than one keyword. Run: python3 eng/make_tickets.py
"""
import csv, random, pathlib

random.seed(20261123)
products = ["laptop", "headphones", "coffee machine", "office chair", "monitor", "printer", "phone case",
            "desk lamp", "keyboard", "router", "backpack", "smart watch", "blender", "camera", "tablet"]
days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend", "last week", "yesterday", "two weeks ago"]
openers = ["Hi,", "Hello,", "Hi team,", "Good morning,", "Dear support,", "", "", "Hey,"]
closers = ["Thanks.", "Thank you!", "Please advise.", "Regards.", "Can you help?", "", "", "Any update would be appreciated."]

templates = {
    "Billing": [
        "Hello, there are two identical payments of ${n} on my bank statement for the same {p}.",
        "My money was taken but the order page says payment failed, did it go through or not?",
        "Please issue a credit note for order {o}, we were overcharged for shipping.",
        "The amount on my card statement does not match the total I saw at checkout.",
        "Could you refund the difference? The {p} went on sale the day after I bought it.",
        "I need a copy of all invoices from {d} for our accountant.",
        "You billed me for a premium plan I never signed up for.",
        "I paid by bank transfer {d} but my order {o} still shows unpaid.",
        "I was charged twice for order {o} on {d}. Please refund the duplicate charge.",
        "My invoice for {o} shows the wrong amount, I paid ${n} but it says ${m}.",
        "Why is there a ${n} charge on my credit card from you? I did not place an order.",
        "Can you send me a VAT invoice for my {p} purchase? I need it for my company expenses.",
        "My payment keeps getting declined at checkout even though my card works elsewhere.",
        "I cancelled my subscription {d} but I was still billed ${n} this month.",
        "The discount code was not applied to order {o}, I was charged full price for the {p}.",
        "Please update the billing address on my invoices to our new office.",
        "I would like to switch from monthly to annual billing, how much would I save?",
        "I see a pending authorization of ${n} that never went away, when will it be released?",
        "Your receipt for order {o} is missing the tax breakdown.",
        "I was told I would get a price adjustment for the {p} but the refund never arrived on my card.",
    ],
    "Shipping": [
        "Where is my package? It has been over a week since you dispatched the {p}.",
        "The tracking link gives a 'not found' page for shipment {o}.",
        "My delivery was left with a neighbour I do not know, how do I find it?",
        "The carrier tried to deliver while I was at work, can they come again on {d}?",
        "Order {o} shows delivered to an address in another city.",
        "Still waiting for my {p}, the estimated delivery date has changed three times.",
        "Can you send the {p} with next-day delivery? I will pay the extra cost.",
        "The parcel has been sitting at the local depot since {d}.",
        "My order {o} was supposed to arrive {d} but the tracking has not moved.",
        "The courier says the {p} was delivered but I never received the parcel.",
        "Can I change the delivery address for order {o}? I moved {d}.",
        "Tracking number for my {p} shows 'exception' at the warehouse, what does that mean?",
        "How long does express shipping take to Canada? I need the {p} before Friday.",
        "The box arrived crushed and the {p} inside was rattling, the carrier left it outside in the rain.",
        "Only part of order {o} arrived, the {p} is missing from the package.",
        "Do you ship to PO boxes? The checkout does not accept my address.",
        "The delivery driver could not find my building, please add a note to order {o}.",
        "My parcel is stuck in customs since {d}, do I need to pay import duties?",
        "Is it possible to pick up order {o} at a store instead of home delivery?",
        "When will the {p} be back in stock and shipped? It says dispatch in 3 weeks.",
    ],
    "Technical": [
        "The {p} shows an error light and beeps three times on startup.",
        "After installing the new version, the program will not start at all.",
        "The touchscreen on my {p} stopped responding to taps.",
        "I cannot sync my data between the app and the {p}, it says connection timed out.",
        "My {p} overheats and shuts down after ten minutes of use.",
        "The software keeps asking me to restart and then shows the same error {n}.",
        "Sound cuts out on the {p} whenever I move more than a few meters away.",
        "The page where I upload documents spins forever and nothing happens.",
        "The app crashes every time I open the settings page after the latest update.",
        "My {p} will not connect to wifi, I already tried resetting it twice.",
        "I get error code {n} when I try to install the driver for the {p}.",
        "The firmware update failed halfway and now the {p} does not turn on.",
        "Bluetooth pairing between my phone and the {p} keeps dropping after a few minutes.",
        "The website shows a blank page when I click on my orders, tried two browsers.",
        "The {p} makes a loud buzzing noise when it is switched on.",
        "Since {d} the screen of my {p} flickers and sometimes goes black.",
        "How do I factory reset the {p}? The manual instructions do not match the menu.",
        "The mobile app freezes on the login screen and the spinner never stops.",
        "Battery of the {p} drains in two hours even when it is idle.",
        "The export to PDF feature gives an error and the file is empty.",
    ],
    "Account": [
        "I changed my phone number and now I cannot receive the sign-in code.",
        "How do I close my account permanently?",
        "My profile shows someone else's name and address.",
        "The password reset link says it has expired even though I just requested it.",
        "Please remove my saved credit card from my account settings, I cannot find the button.",
        "I would like a copy of all personal data you hold about me.",
        "I keep getting logged out every few minutes on the website.",
        "Can you reactivate my old account? I closed it {d} by mistake.",
        "I forgot my password and the reset email never arrives.",
        "Please delete my account and all personal data associated with it.",
        "I cannot log in, it says my account is locked after too many attempts.",
        "How do I change the email address on my account? I no longer use the old one.",
        "Someone else seems to have access to my account, I see orders I did not make.",
        "I want to merge my two accounts, one was created with my work email.",
        "Two-factor authentication codes are not accepted when I sign in.",
        "My username was changed without my permission {d}.",
        "Can I add a second user to our business account so my colleague can place orders?",
        "I never received the verification email after signing up.",
        "Please unsubscribe me from the newsletter, I keep getting emails.",
        "My loyalty points disappeared from my profile after I updated my details.",
    ],
    "Returns": [
        "The {p} is not what I expected, I would like to send it back for a refund.",
        "I printed the return label but the courier refused the package.",
        "My return for order {o} was received {d} but the refund is still pending.",
        "The {p} I got has a scratch on the side, can I exchange it for a new one?",
        "Is there a restocking fee if I return an opened {p}?",
        "I want to return only one item from order {o} and keep the rest.",
        "Can I drop off my return at one of your stores?",
        "The replacement you sent for my {p} has the same fault, what are my options?",
        "I would like to return the {p} from order {o}, it does not fit my desk.",
        "How do I get a return label? The {p} arrived in the wrong colour.",
        "I sent the {p} back {d}, when will I get my money back?",
        "The {p} stopped working after a month, can I exchange it under warranty?",
        "Is it too late to return order {o}? I bought it 35 days ago.",
        "I received the wrong item, I ordered a {p} but got something else. Please arrange an exchange.",
        "Do I have to pay for return shipping if the {p} is defective?",
        "The return portal says order {o} is not eligible for return, why?",
        "Can I return a gift without the receipt? It is a {p}.",
        "I dropped the {p} at the post office for return, the tracking shows it reached your warehouse {d}.",
        "I want to swap the {p} for a bigger size, do I need to return it first?",
        "My replacement {p} is also broken, I would like a full refund instead.",
    ],
    "Sales": [
        "Before I buy, does the {p} come with a charger included?",
        "Could you tell me if the {p} is suitable for a small office of ten people?",
        "I saw the {p} in your catalogue, what is the best price for {n} units?",
        "Are there any bundle deals if I buy the {p} together with accessories?",
        "Do you offer financing or monthly payments for larger purchases?",
        "Which {p} would you recommend for someone who travels a lot?",
        "Is there a trial period for the {p} before we commit to a large order?",
        "Our company wants to become a reseller of your products, who should I talk to?",
        "Do you offer volume discounts if we order {n} units of the {p} for our office?",
        "Is the {p} compatible with Mac? I am considering buying it.",
        "What is the difference between the standard and pro version of the {p}?",
        "Can I get a quote for {n} {p}s delivered to our three locations?",
        "Will there be a Black Friday sale on the {p}?",
        "Do you have a business account with invoice payment terms for companies?",
        "I am interested in the {p}, is there a newer model coming soon?",
        "Can you price match a competitor that sells the {p} for ${n}?",
        "Do you sell extended warranties for the {p}?",
        "We are a school and want to order {n} {p}s, do you have education pricing?",
        "Is the {p} available in black? The website only shows white.",
        "Could someone call me to discuss a bulk order for our team?",
    ],
}

rows = []
for queue, ts in templates.items():
    for i in range(100):
        t = ts[i % len(ts)] if i < len(ts) else random.choice(ts)
        text = t.format(o=f"#{random.randint(10000, 99999)}", d=random.choice(days), p=random.choice(products),
                        n=random.randint(2, 400), m=random.randint(2, 400))
        text = " ".join(x for x in [random.choice(openers), text, random.choice(closers)] if x)
        rows.append((queue, text))
random.shuffle(rows)
out = pathlib.Path(__file__).resolve().parent.parent / "samples" / "QuickStart" / "tickets.csv"
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["Queue", "Text"])
    w.writerows(rows)
print(f"wrote {len(rows)} tickets to {out}")
