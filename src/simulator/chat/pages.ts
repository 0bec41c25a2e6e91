/**
 * The two browser pages the chat simulator serves: the visitor's chat (the anonymous chat
 * client of the helpdesk flow) and the service representative's page (a person answering
 * invitations to meetings). Plain HTML and script, no build step; text is always inserted as
 * text, never as HTML.
 */

const STYLE = `
body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#2b5797;color:#fff;padding:10px 16px;font-weight:600}
main{max-width:640px;margin:16px auto;background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 3px #0002}
#status{color:#555;margin:4px 0 12px}
#messages{height:320px;overflow-y:auto;border:1px solid #ddd;border-radius:6px;padding:8px;background:#fafafa}
.msg{margin:6px 0;padding:6px 10px;border-radius:12px;max-width:80%;width:fit-content}
.msg.in{background:#e8eef8}.msg.out{background:#d6f5d6;margin-left:auto}.msg.note{background:none;color:#777;font-style:italic;max-width:100%}
.msg .who{font-size:12px;color:#555;display:block}
#typing{height:20px;color:#777;font-style:italic;font-size:13px}
form{display:flex;gap:8px;margin-top:8px}input[type=text]{flex:1;padding:6px}
button{padding:6px 12px}`;

const COMMON_SCRIPT = `
const q = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
function line(cls, who, text) {
  const d = document.createElement('div');
  d.className = 'msg ' + cls;
  if (who) { const s = document.createElement('span'); s.className = 'who'; s.textContent = who; d.appendChild(s); }
  d.appendChild(document.createTextNode(text));
  $('messages').appendChild(d);
  $('messages').scrollTop = 1e9;
  return d;
}
let typingTimer;
function showTyping(name) {
  $('typing').textContent = name + ' is typing...';
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { $('typing').textContent = ''; }, 4000);
}
function clearTyping() { clearTimeout(typingTimer); $('typing').textContent = ''; }
async function call(method, href, body, headers) {
  const h = Object.assign({}, headers || {});
  let b;
  if (typeof body === 'string') { h['content-type'] = 'text/plain; charset=UTF-8'; b = body; }
  else if (body) { h['content-type'] = 'application/json'; b = JSON.stringify(body); }
  const r = await fetch(href, { method, headers: h, body: b });
  const t = await r.text();
  let j = {};
  try { j = t ? JSON.parse(t) : {}; } catch (e) { j = {}; }
  if (!r.ok) throw new Error(j.message || ('HTTP ' + r.status));
  return j;
}
async function pump(eventsHref, headers, onEvent, isOver) {
  let next = eventsHref;
  while (!isOver()) {
    try {
      const page = await call('GET', next, undefined, headers);
      next = page._links.next.href;
      for (const s of page.sender || []) for (const e of s.events || []) onEvent(e, s);
    } catch (e) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
function throttle(fn, ms) { let last = 0; return () => { const n = Date.now(); if (n - last > ms) { last = n; fn(); } }; }
`;

export const VISITOR_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Helpdesk chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><header>Contoso helpdesk chat</header><main>
<div id="status">Ready.</div>
<form id="startForm"><input type="text" id="name" placeholder="Your name" value="Visitor" maxlength="100">
<input type="text" id="subject" placeholder="What do you need help with?" value="Help with my order" maxlength="200">
<button id="start" type="submit">Start chat</button></form>
<div id="messages" aria-live="polite"></div>
<div id="typing"></div>
<form id="sendForm"><input type="text" id="text" placeholder="Type a message" disabled maxlength="2000">
<button id="send" type="submit" disabled>Send</button><button id="close" type="button" disabled>Close chat</button></form>
</main>
<script>
${COMMON_SCRIPT}
const token = q.get('token') || '';
const discover = q.get('discover') || '/platformservice/anonymous/discover';
const auth = { authorization: 'Bearer ' + token };
let conv, over = false;
function status(t) { $('status').textContent = t; }
function end(t) {
  over = true; status(t); clearTyping();
  $('text').disabled = $('send').disabled = $('close').disabled = true;
  document.body.dataset.state = 'ended';
}
$('startForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('start').disabled = true;
  try {
    status('Connecting...');
    const d = await call('GET', discover);
    const anonApps = d._links['ms:rtc:saas:anonApplications'].href;
    const session = await call('POST', new URL(anonApps, new URL(discover, location.href)).href, { DisplayName: $('name').value, UserAgent: 'ccflow visitor page', Culture: 'en-US' }, auth);
    const opId = 'visitor-' + Math.random().toString(36).slice(2);
    const inv = await call('POST', session._links.messagingInvitations.href, { to: 'sip:helpdesk@contoso.com', subject: $('subject').value, operationId: opId }, auth);
    conv = inv._links;
    status('Waiting for the helpdesk...');
    document.body.dataset.state = 'waiting';
    pump(session._links.events.href, auth, onEvent, () => over);
  } catch (e) { status('Could not start the chat: ' + e.message); $('start').disabled = false; }
});
function onEvent(e) {
  const rel = e.link.rel, emb = e._embedded || {};
  if (rel === 'messagingInvitation' && e.type === 'completed') {
    if (e.status === 'Success') {
      status('Connected to the helpdesk.'); document.body.dataset.state = 'connected';
      $('text').disabled = $('send').disabled = $('close').disabled = false; $('text').focus();
    } else end('The helpdesk could not take the chat.');
  } else if (rel === 'message' && e.type === 'added') {
    const m = emb.message || {}; clearTyping();
    line('in', (m.participant && m.participant.name) || 'Helpdesk', m.text || '');
  } else if (rel === 'typingParticipants') {
    const p = (emb.typingParticipants || {}).participant || {}; showTyping(p.name || 'Someone');
  } else if (rel === 'participant' && e.type === 'added') {
    line('note', '', ((emb.participant || {}).name || 'Someone') + ' joined the chat.');
  } else if (rel === 'participant' && e.type === 'deleted') {
    line('note', '', 'A representative left the chat.');
  } else if (rel === 'conversation' && e.type === 'deleted') {
    end((e.reason && e.reason.message) || 'The chat has ended.');
  }
}
const typing = throttle(() => call('POST', conv.typing.href, {}, auth).catch(() => {}), 2000);
$('text').addEventListener('input', () => { if (conv && !over) typing(); });
$('sendForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const t = $('text').value.trim(); if (!t || over) return;
  $('text').value = '';
  line('out', 'You', t);
  try { await call('POST', conv.messages.href, t, auth); } catch (e) { line('note', '', 'Not sent: ' + e.message); }
});
$('close').addEventListener('click', async () => {
  try { await call('DELETE', conv.conversation.href, undefined, auth); } catch (e) {}
  end('You closed the chat.');
});
</script></body></html>`;

export const REP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Service representative</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}
#invites .invite{border:1px solid #cbd;border-radius:6px;padding:8px;margin:6px 0;background:#fffbe6}</style></head>
<body><header>Service representative</header><main>
<form id="onlineForm"><input type="text" id="uri" value="sip:carol@contoso.com" maxlength="200">
<input type="text" id="repName" value="Carol" maxlength="100"><button id="online" type="submit">Go online</button></form>
<div id="status">Offline.</div>
<div id="invites"></div>
<div id="messages" aria-live="polite"></div>
<div id="typing"></div>
<form id="sendForm"><input type="text" id="text" placeholder="Type a message" disabled maxlength="2000">
<button id="send" type="submit" disabled>Send</button><button id="leave" type="button" disabled>Leave</button></form>
</main>
<script>
${COMMON_SCRIPT}
if (q.get('uri')) $('uri').value = q.get('uri');
if (q.get('name')) $('repName').value = q.get('name');
let page, meeting;
function status(t) { $('status').textContent = t; }
function enable(on) { $('text').disabled = $('send').disabled = $('leave').disabled = !on; }
$('onlineForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    page = await call('POST', '/chat/reps', { uri: $('uri').value, name: $('repName').value });
    $('online').disabled = true; status('Online as ' + page.name + ', waiting for invitations.');
    document.body.dataset.state = 'online';
    pump(page._links.events.href, {}, onEvent, () => false);
  } catch (e) { status('Could not go online: ' + e.message); }
});
function onEvent(e) {
  const rel = e.link.rel, emb = e._embedded || {};
  if (rel === 'participantInvitation' && e.type === 'started') {
    const inv = emb.participantInvitation || {};
    const d = document.createElement('div'); d.className = 'invite';
    d.appendChild(document.createTextNode('Chat with ' + (inv.visitor || 'a visitor') + ' (' + (inv.subject || '') + ') '));
    const a = document.createElement('button'); a.textContent = 'Accept'; a.className = 'accept';
    const r = document.createElement('button'); r.textContent = 'Decline'; r.className = 'decline';
    a.onclick = async () => { d.remove(); meeting = inv.conversation; await call('POST', inv._links.accept.href, {}); status('In the chat with ' + (inv.visitor || 'a visitor') + '.'); document.body.dataset.state = 'chatting'; enable(true); };
    r.onclick = async () => { d.remove(); await call('POST', inv._links.decline.href, {}); };
    d.appendChild(a); d.appendChild(r); $('invites').appendChild(d);
  } else if (rel === 'message' && e.type === 'added') {
    const m = emb.message || {}; clearTyping();
    line('in', (m.participant && m.participant.name) || '', m.text || '');
  } else if (rel === 'typingParticipants') {
    const p = (emb.typingParticipants || {}).participant || {}; showTyping(p.name || 'Someone');
  } else if (rel === 'participant' && e.type === 'deleted') {
    line('note', '', ((emb.participant || {}).name || 'The visitor') + ' left the chat.');
    document.body.dataset.state = 'visitorLeft';
  } else if (rel === 'conversation' && e.type === 'deleted') {
    status('The chat was ended.'); enable(false); meeting = undefined; document.body.dataset.state = 'ended';
  }
}
function convHref() { return page._links.self.href + '/conversations/' + meeting.split('/').pop(); }
const typing = throttle(() => call('POST', convHref() + '/typing', {}).catch(() => {}), 2000);
$('text').addEventListener('input', () => { if (meeting) typing(); });
$('sendForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const t = $('text').value.trim(); if (!t || !meeting) return;
  $('text').value = ''; line('out', 'You', t);
  try { await call('POST', convHref() + '/messages', t); } catch (e) { line('note', '', 'Not sent: ' + e.message); }
});
$('leave').addEventListener('click', async () => {
  try { await call('DELETE', convHref()); } catch (e) {}
  enable(false); meeting = undefined; status('You left the chat.');
});
</script></body></html>`;
