package mailgen

import (
	"strings"
)

var firstNames = []string{
	"Anna", "Ben", "Carla", "David", "Elif", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kara", "Liam", "Maya",
	"Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Xenia", "Yusuf", "Zoe",
	"Marta", "Lukas", "Priya", "Chen", "Fatima", "Jan", "Leila", "Mateo", "Nora", "Oskar",
}

var lastNames = []string{
	"Adler", "Brandt", "Costa", "Dahl", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen", "Kowalski",
	"Lopez", "Moreau", "Nowak", "Olsen", "Petrov", "Quinto", "Rossi", "Schmidt", "Tanaka", "Umarov", "Vogel",
	"Weber", "Yilmaz", "Zimmer", "Novak", "Larsen", "Meyer",
}

var companyWords = []string{
	"Blue", "Bright", "Cedar", "Delta", "Echo", "Fern", "Granite", "Harbor", "Iron", "Juniper", "Kite", "Lumen",
	"Maple", "North", "Orbit", "Pine", "Quartz", "River", "Stone", "Tide", "Vertex", "Willow", "Zen", "Apex",
}

func brand(r interface{ IntN(int) int }) string {
	return companyWords[r.IntN(len(companyWords))] + " " + []string{"Shop", "Weekly", "Cloud", "Bank", "Travel", "Store", "Digest", "Pay", "Air", "Fitness"}[r.IntN(10)]
}

var topics = []string{
	"the Q3 budget", "the contract renewal", "the site visit", "invoice 4471", "the workshop agenda", "the new logo",
	"the server migration", "Friday's review", "the training dates", "the quote", "the project plan", "the launch",
	"the hiring plan", "the offsite", "the board deck", "the pricing page", "the customer survey", "the audit",
	"the roadmap", "the office move", "the API changes", "the release notes", "the travel booking", "the summer party",
}

var docs = []string{"slides", "report", "contract", "invoice", "figures", "draft", "spreadsheet", "proposal", "minutes", "photos"}

var days = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week", "tomorrow", "the 14th"}

var times = []string{"9:00", "10:30", "11am", "2pm", "3:30", "4pm"}

// fill replaces {topic}, {doc}, {day} and {time} in t.
func (g *gen) fill(t string) string {
	for strings.Contains(t, "{") {
		switch {
		case strings.Contains(t, "{topic}"):
			t = strings.Replace(t, "{topic}", pick(g.r, topics), 1)
		case strings.Contains(t, "{doc}"):
			t = strings.Replace(t, "{doc}", pick(g.r, docs), 1)
		case strings.Contains(t, "{day}"):
			t = strings.Replace(t, "{day}", pick(g.r, days), 1)
		case strings.Contains(t, "{time}"):
			t = strings.Replace(t, "{time}", pick(g.r, times), 1)
		default:
			return t
		}
	}
	return t
}

func (g *gen) subject(k Kind) string {
	switch k {
	case Cold:
		return g.fill(pick(g.r, []string{"Quick question", "Partnership opportunity", "Helping your team with {topic}",
			"15 minutes next week?", "Idea for your business", "Following up", "Your hiring needs", "Exclusive offer for you"}))
	case Newsletter:
		return g.fill(pick(g.r, []string{"This week's picks for you", "Our spring sale starts now", "New: the {doc} template",
			"Your monthly digest", "Don't miss out: 20% off", "What's new this month", "Ready for an upgrade?", "Tips for {topic}"}))
	case Notification:
		return g.fill(pick(g.r, []string{"Your order has shipped", "Build #4821 failed", "Payment received", "Password changed",
			"Your statement is ready", "New sign-in to your account", "Reminder: {topic} on {day}", "Pipeline succeeded"}))
	case Group:
		return g.fill(pick(g.r, []string{"All-hands on {day}", "Office closed {day}", "Welcome our new colleagues", "Update on {topic}",
			"Reminder: timesheets", "IT maintenance {day}"}))
	}
	s := g.fill(pick(g.r, []string{"{topic}", "Question about {topic}", "{topic} - next steps", "Re {topic}", "Update on {topic}",
		"{doc} for {topic}", "Meeting on {day}", "Quick one about {topic}", "{topic}?", "Notes: {topic}"}))
	return strings.ToUpper(s[:1]) + s[1:]
}

var asksTexts = []string{
	"Could you send me the {doc} for {topic} by {day}?",
	"Do you have time on {day} at {time} to go over {topic}?",
	"What do you think about {topic}?",
	"Are we still on for {day}?",
	"Can you confirm the numbers for {topic}?",
	"Would {day} at {time} work for a call about {topic}?",
	"Did you get a chance to look at the {doc}?",
	"Which option do you prefer for {topic}?",
}

var requestTexts = []string{
	"Please review the {doc} for {topic} and let me know your thoughts.",
	"Let me know if {day} works for you.",
	"Please approve the {doc} when you have a moment.",
	"Could you please forward the {doc} to the team.",
	"Please send me your comments on {topic} by {day}.",
}

var informTexts = []string{
	"Just a heads-up: {topic} moved to {day}.",
	"FYI, the {doc} for {topic} is attached.",
	"Here are the notes from {topic}. No action needed on your side.",
	"The {doc} is now in the shared folder.",
	"We finished {topic} today, everything went well.",
	"Quick update: {topic} is on track for {day}.",
}

var thanksTexts = []string{
	"Thanks for the {doc}, that helps a lot.",
	"Thanks again for {day}, it was great.",
	"Many thanks for sorting out {topic}!",
}

var coldTexts = []string{
	"I'm reaching out from a company that helps teams like yours with {topic}. Would you be open to a 15-minute call {day}?",
	"We work with leading firms on {topic} and I think we could help you too. Do you have time for a quick chat {day}?",
	"I came across your profile and have an exciting opportunity. Are you open to new roles?",
	"Can I send you a short proposal about {topic}? Who is the right person to talk to?",
	"Our platform cuts the time spent on {topic} in half. Interested in a free demo?",
}

var newsletterTexts = []string{
	"This week we picked the best offers for you. Discover the new collection and save up to 30%. Ready to treat yourself?",
	"Our experts share five tips for {topic}. Read the full article on our blog. Want more? Follow us for daily updates.",
	"Thank you for being a loyal customer. Here is a voucher for your next purchase, valid until {day}.",
	"New features are live: faster sync, a cleaner dashboard and better reports. Have questions? Visit our help center.",
}

var notificationTexts = []string{
	"Your order #58213 has shipped and will arrive {day}. Track it in your account.",
	"The build for branch main failed at step test. See the log for details.",
	"We received your payment. No action is required.",
	"Your password was changed. If this wasn't you, contact support.",
	"Your monthly statement is ready to view online.",
}

var ownerReplies = []string{
	"Thanks, that works for me.", "Sure, I'll send it over today.", "Sounds good, see you then.",
	"Let me check and get back to you.", "Yes, please go ahead.", "Thanks for the update!",
	"Unfortunately that doesn't work for me, could we do Thursday instead?", "Got it, thanks.",
}

var ownerStarts = []string{
	"Could you send me the latest {doc} for {topic}?", "Do you have time {day} to talk about {topic}?",
	"Here is the {doc} for {topic}. What do you think?", "Can we move {topic} to {day}?",
	"Quick question about {topic}: is {day} still the plan?", "Please find the {doc} attached. Let me know if anything is missing.",
}

// body writes a message's text: a greeting, what it does, a signature,
// and the quoted earlier message of a thread.
func (g *gen) body(k Kind, what content, who *sender, m *mail, th *thread) string {
	var b strings.Builder
	switch k {
	case Newsletter:
		b.WriteString(g.fill(pick(g.r, newsletterTexts)))
		b.WriteString("\n\nUnsubscribe: https://" + domainOf(who.addr) + "/u\n")
		return b.String()
	case Notification:
		b.WriteString(g.fill(pick(g.r, notificationTexts)) + "\n")
		return b.String()
	case Cold:
		b.WriteString("Hi " + firstName(g.p.Owner) + ",\n\n" + g.fill(pick(g.r, coldTexts)) + "\n\nBest regards,\n" + who.name + "\n")
		return b.String()
	}
	switch {
	case k == Group || k == List || len(m.to)+len(m.cc) > 2:
		b.WriteString(pick(g.r, []string{"Hi all,", "Hello everyone,", "Hi team,", "Hi,"}))
	default:
		b.WriteString(pick(g.r, []string{"Hi ", "Hello ", "Dear ", "Hey "}) + firstName(g.p.Owner) + ",")
	}
	b.WriteString("\n\n")
	pool := map[content][]string{asks: asksTexts, requests: requestTexts, informs: informTexts, thanks: thanksTexts}[what]
	b.WriteString(g.fill(pick(g.r, pool)))
	if g.r.Float64() < 0.5 {
		b.WriteString(" " + g.fill(pick(g.r, informTexts)))
	}
	b.WriteString("\n\n" + pick(g.r, []string{"Best,", "Thanks,", "Cheers,", "Regards,", "Kind regards,"}) + "\n" + firstName(who.name) + "\n")
	if g.r.Float64() < 0.4 {
		b.WriteString("-- \n" + who.name + "\n" + domainOf(who.addr) + "\n")
	}
	return b.String()
}
