// Package hardness rates how hard a thread is to answer — thread length,
// participants, complaint, legal, money, urgent and tone vocabulary, VIP
// senders, explicit rules and the small model's signals — with reasons a
// person can read. The reply stage asks it whether to escalate; the
// escalate stage asks it again with the whole thread.
package hardness
