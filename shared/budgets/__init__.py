"""Monthly budgets (docs/budgets.md): the organization's and each user's, in dollars, tokens or both.

`limits` holds what an administrator sets (and who is exempt), `spend` adds every recorded model call to its
user's month and the organization's and warns at 80 % (`notices`: an in-app event and an email), `status` says
where a user stands and is the model gateway's check, which refuses a call once a budget that applies is used up.
Everything is kept in the `budgets` table (`store`); months are UTC calendar months (`months`).
"""
