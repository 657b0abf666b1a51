-- imapfilter + bogofilter: what a user would run instead of mailassist to
-- file a mailbox's spam. Every message of INBOX is fetched and piped to
-- bogofilter; those it calls spam (exit status 0) are moved to Junk with
-- one UID MOVE.
--
--   IMAPFILTER_HOST=127.0.0.1 IMAPFILTER_PORT=143 IMAPFILTER_USER=me \
--   IMAPFILTER_PASSWORD=… BOGOFILTER_DIR=~/.bogofilter \
--   imapfilter -c scripts/imapfilter-bogofilter.lua
--
-- cmd/mailbench runs it against the same Dovecot and the same mailbox as
-- mailassist (plaintext IMAP to loopback only: no STARTTLS).
options.timeout = 120
options.starttls = false
options.certificates = false
options.info = false

local env = os.getenv
local account = IMAP {
  server = env('IMAPFILTER_HOST'),
  port = tonumber(env('IMAPFILTER_PORT')),
  username = env('IMAPFILTER_USER'),
  password = env('IMAPFILTER_PASSWORD'),
}
local bogofilter = 'bogofilter -d ' .. env('BOGOFILTER_DIR')

local all = account.INBOX:select_all()
local spam = Set {}
for _, mesg in ipairs(all) do
  local mbox, uid = table.unpack(mesg)
  if pipe_to(bogofilter, mbox[uid]:fetch_message()) == 0 then
    table.insert(spam, mesg)
  end
end
spam:move_messages(account.Junk)
