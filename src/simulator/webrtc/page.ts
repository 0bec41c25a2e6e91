/**
 * The participant page the simulator serves: it takes the participant's token (`#token=...`
 * or `?token=...`), connects to the simulator's signalling socket (connect), publishes a real
 * getUserMedia stream (publish), shows the streams of the participants it is subscribed to
 * (onStreamAvailable / onStreamUnavailable) and disconnects (disconnect). Media flows peer to
 * peer between pages; the simulator only relays the negotiation. `window.participant` holds
 * the page's state for scripts and tests. `&manual=1` waits for the buttons instead of
 * connecting and publishing at once; `&signal=ws://...` names another signalling URL.
 */

export const PARTICIPANT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WebRTC participant (simulator)</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem; background: #f6f7f9; color: #222; }
header { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
#state { font-weight: 600; padding: .1rem .5rem; border-radius: .3rem; background: #ddd; }
body[data-state="connected"] #state { background: #bfe8c4; }
body[data-state="disconnected"] #state { background: #f3c0c0; }
main { display: flex; gap: 1rem; flex-wrap: wrap; margin-top: 1rem; }
figure { margin: 0; background: #fff; padding: .5rem; border-radius: .4rem; box-shadow: 0 1px 3px #0002; }
video { width: 320px; height: 240px; background: #000; display: block; }
figcaption { font-size: .8rem; margin-top: .3rem; word-break: break-all; max-width: 320px; }
#log { font-size: .8rem; color: #555; }
</style>
</head>
<body data-state="idle">
<header>
<strong>WebRTC participant</strong>
<span id="state">idle</span>
<button id="connect" type="button">Connect</button>
<button id="publish" type="button" disabled>Publish</button>
<button id="disconnect" type="button" disabled>Disconnect</button>
<span id="who"></span>
</header>
<main>
<figure id="local-figure"><video id="local" autoplay playsinline muted></video><figcaption>this page (published)</figcaption></figure>
<div id="remotes" style="display:contents"></div>
</main>
<ol id="log" reversed></ol>
<script src="participant.js"></script>
</body>
</html>
`;

export const PARTICIPANT_SCRIPT = `(function () {
  'use strict';
  var query = new URLSearchParams(location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1));
  var token = query.get('token');
  var manual = query.get('manual') === '1';
  var signalUrl = query.get('signal') || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/webrtc/signal';
  var state = (window.participant = { state: 'idle', participantId: null, deviceId: null, streams: {}, log: [] });
  var el = function (id) { return document.getElementById(id); };
  var ws = null;
  var local = null;
  var links = {};

  function log(text) {
    state.log.push(text);
    var li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + ' ' + text;
    el('log').insertBefore(li, el('log').firstChild);
  }
  function setState(s) {
    state.state = s;
    el('state').textContent = s;
    document.body.setAttribute('data-state', s);
    el('connect').disabled = s !== 'idle' && s !== 'disconnected';
    el('publish').disabled = s !== 'connected' || !!local;
    el('disconnect').disabled = s !== 'connected';
  }
  function send(frame) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  function connect() {
    if (!token) { log('no token: open this page as .../participant#token=<participant token>'); return; }
    setState('connecting');
    ws = new WebSocket(signalUrl);
    ws.onopen = function () { send({ type: 'connect', token: token }); };
    ws.onmessage = function (e) { onFrame(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      closeLinks();
      if (state.state !== 'disconnected') log('signalling closed' + (e.reason ? ': ' + e.reason : ''));
      setState('disconnected');
    };
  }

  function publish() {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then(function (stream) {
      local = stream;
      el('local').srcObject = stream;
      send({ type: 'publish', mediaTypes: ['AUDIO', 'VIDEO'] });
      setState(state.state);
    }, function (err) { log('getUserMedia failed: ' + err.name); });
  }

  function disconnect() {
    send({ type: 'disconnect' });
    closeLinks();
    if (local) local.getTracks().forEach(function (t) { t.stop(); });
    local = null;
    setState('disconnected');
    if (ws) ws.close();
  }

  function newLink(f) {
    var pc = new RTCPeerConnection({ iceServers: [] });
    var link = { id: f.linkId, role: f.role, pc: pc, participantId: f.participantId, tag: f.tag, pending: [] };
    links[f.linkId] = link;
    pc.onicecandidate = function (e) { if (e.candidate) send({ type: 'signal', linkId: f.linkId, data: { candidate: e.candidate.toJSON() } }); };
    if (f.role === 'publisher') {
      if (local) local.getTracks().forEach(function (t) { pc.addTrack(t, local); });
      pc.createOffer().then(function (o) { return pc.setLocalDescription(o); }).then(function () {
        send({ type: 'signal', linkId: f.linkId, data: { sdp: pc.localDescription.toJSON() } });
      }).catch(function (err) { log('offer failed: ' + err); });
    } else {
      pc.ontrack = function (e) { if (!link.stream) onStreamAvailable(link, e.streams[0]); };
    }
    return link;
  }

  function onSignal(f) {
    var link = links[f.linkId];
    if (!link) return;
    var pc = link.pc;
    var data = f.data || {};
    if (data.sdp) {
      pc.setRemoteDescription(data.sdp).then(function () {
        link.pending.splice(0).forEach(function (c) { pc.addIceCandidate(c).catch(function () {}); });
        if (data.sdp.type === 'offer') {
          return pc.createAnswer().then(function (a) { return pc.setLocalDescription(a); }).then(function () {
            send({ type: 'signal', linkId: f.linkId, data: { sdp: pc.localDescription.toJSON() } });
          });
        }
      }).catch(function (err) { log('negotiation failed: ' + err); });
    } else if (data.candidate) {
      if (pc.remoteDescription) pc.addIceCandidate(data.candidate).catch(function () {});
      else link.pending.push(data.candidate);
    }
  }

  function onStreamAvailable(link, stream) {
    link.stream = stream;
    var fig = document.createElement('figure');
    fig.setAttribute('data-link', link.id);
    fig.setAttribute('data-participant', link.participantId);
    var video = document.createElement('video');
    video.autoplay = true; video.muted = true; video.playsInline = true;
    video.srcObject = stream;
    var cap = document.createElement('figcaption');
    cap.textContent = 'participant ' + link.participantId + (link.tag ? ' (' + link.tag + ')' : '');
    fig.appendChild(video); fig.appendChild(cap);
    el('remotes').appendChild(fig);
    var info = (state.streams[link.id] = { participantId: link.participantId, tag: link.tag || null, videoWidth: 0 });
    video.onresize = video.onloadedmetadata = function () { info.videoWidth = video.videoWidth; };
    log('onStreamAvailable: ' + link.participantId);
  }

  function dropLink(id) {
    var link = links[id];
    if (!link) return;
    delete links[id];
    link.pc.close();
    if (link.stream) {
      var fig = document.querySelector('figure[data-link="' + id + '"]');
      if (fig) fig.remove();
      delete state.streams[id];
      log('onStreamUnavailable: ' + link.participantId);
    }
  }
  function closeLinks() { Object.keys(links).forEach(dropLink); }

  function onFrame(f) {
    switch (f.type) {
      case 'connected':
        state.participantId = f.participantId;
        state.deviceId = f.deviceId;
        el('who').textContent = 'participant ' + f.participantId;
        setState('connected');
        log('connected');
        if (!manual) publish();
        break;
      case 'published': log('published ' + f.streamId); break;
      case 'link': newLink(f); break;
      case 'signal': onSignal(f); break;
      case 'unlink': dropLink(f.linkId); break;
      case 'disconnected': log('disconnected: ' + f.reason); closeLinks(); setState('disconnected'); break;
      case 'error': log('error ' + f.code + ': ' + f.message); break;
    }
  }

  el('connect').onclick = connect;
  el('publish').onclick = publish;
  el('disconnect').onclick = disconnect;
  window.participantApi = { connect: connect, publish: publish, disconnect: disconnect };
  if (!manual && token) connect();
})();
`;
