/* The editor's "calls" sidebar tab: every live call of each cc-gateway drawn as a sequence
 * diagram (lanes: agent, platform, customer, consulted parties; operations, responses,
 * outcomes and the agent / dialog / ccs events between them). The runtime keeps the calls
 * (src/calls, through nodes/lib/calls-feed.ts) only while a sidebar is shown: GET
 * cc-contact-center/calls gives them all and renews that lease; changes then arrive batched
 * on the comms topic cc-contact-center/calls. Loaded once, from cc-gateway.html. */
/* global window, document, navigator, setTimeout, setInterval, RED, $ */
(function () {
  'use strict';
  if (window.CCCallsSidebar) return;
  var NS = '@ccflow/node-red-contact-center/cc-gateway';
  var TOPIC = 'cc-contact-center/calls';
  var RENEW_MS = 5000;
  var MAX_DRAWN = 20;
  var ROW_H = 18;
  var HEAD_H = 34;

  var CSS = [
    '.cc-calls-sidebar{position:absolute;top:0;bottom:0;left:0;right:0;display:flex;flex-direction:column}',
    '.cc-calls-bar{display:flex;gap:6px;align-items:center;padding:4px 6px}',
    '.cc-calls-filter{flex:1;min-width:60px;height:24px}',
    '.cc-calls-count{font-size:11px;white-space:nowrap;color:var(--red-ui-secondary-text-color,#888)}',
    '.cc-calls-list{flex:1;overflow:auto;padding:4px}',
    '.cc-calls-call{border:1px solid var(--red-ui-secondary-border-color,#ddd);border-radius:3px;margin-bottom:8px}',
    '.cc-calls-call[data-state=ended]{opacity:.8}',
    '.cc-calls-head-row{display:flex;gap:6px;align-items:center;padding:3px 6px;background:var(--red-ui-tertiary-background,#f3f3f3)}',
    '.cc-calls-title{font-weight:bold;flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    '.cc-calls-badge{font-size:10px;padding:0 4px;border-radius:2px;color:#fff;background:#999}',
    '.cc-calls-badge-live{background:#3a9d23}',
    '.cc-calls-gw{font-size:10px;color:var(--red-ui-secondary-text-color,#888)}',
    '.cc-calls-svg{overflow-x:auto}',
    '.cc-calls-diagram{display:block;font-family:sans-serif}',
    '.cc-calls-lane{fill:#eef3fb;stroke:#7a93c4}',
    '.cc-calls-lane-platform{fill:#f4f4f4;stroke:#999}',
    '.cc-calls-lane-customer{fill:#fdf3e4;stroke:#c9983c}',
    '.cc-calls-lane-party{fill:#eef8ee;stroke:#69a469}',
    '.cc-calls-lane-label{font-size:10px;font-weight:bold;fill:#333}',
    '.cc-calls-lifeline{stroke:#bbb;stroke-dasharray:2 3}',
    '.cc-calls-hit{fill:transparent;cursor:pointer}',
    '.cc-calls-step:hover .cc-calls-hit,.cc-calls-step.selected .cc-calls-hit{fill:rgba(90,140,220,.15)}',
    '.cc-calls-arrow{stroke:#333;stroke-width:1}',
    '.cc-calls-dashed{stroke-dasharray:4 2}',
    '.cc-calls-head{fill:#333}',
    '.cc-calls-text{font-size:9px;fill:#222;pointer-events:none}',
    '.cc-calls-note{fill:#fff8c4;stroke:#c8b84a}',
    '.cc-calls-request .cc-calls-arrow,.cc-calls-request .cc-calls-head{stroke:#1f5fbf;fill:#1f5fbf}',
    '.cc-calls-request .cc-calls-text{fill:#1f5fbf;font-weight:bold}',
    '.cc-calls-outcome .cc-calls-note{fill:#dff3d8;stroke:#3a9d23}',
    '.cc-calls-failed .cc-calls-text{fill:#c00}',
    '.cc-calls-failed .cc-calls-arrow,.cc-calls-failed .cc-calls-head{stroke:#c00;fill:#c00}',
    '.cc-calls-outcome.cc-calls-failed .cc-calls-note{fill:#fde2e2;stroke:#c00}',
    '.cc-calls-detail{max-height:40%;overflow:auto;border-top:1px solid var(--red-ui-secondary-border-color,#ddd);padding:4px 6px}',
    '.cc-calls-detail-title{font-weight:bold;margin-bottom:4px}',
    '.cc-calls-data{font-size:11px;white-space:pre-wrap;margin:0}',
    '.cc-calls-mermaid{width:100%;height:160px;font-family:monospace;font-size:11px}',
    '.cc-calls-empty,.cc-calls-more{padding:10px;color:var(--red-ui-secondary-text-color,#888)}',
  ].join('\n');

  var calls = {}; // key "gateway/id" -> call (CallView + gateway)
  var gateways = {}; // id -> name
  var selected = null; // { key, n }
  var content, list, detail, filterInput, countLabel;
  var renderTimer = null;
  var renewTimer = null;
  var shown = false;
  var resync = false;

  function t(key, fallback) {
    var full = NS + ':cc-gateway.calls.' + key;
    var s = RED._(full);
    return s && s !== full && s !== 'cc-gateway.calls.' + key ? s : fallback;
  }

  function keyOf(c) {
    return c.gateway + '/' + c.id;
  }

  function applySnapshot(snap) {
    calls = {};
    gateways = {};
    (snap.gateways || []).forEach(function (g) {
      gateways[g.id] = g.name;
    });
    (snap.calls || []).forEach(function (c) {
      calls[keyOf(c)] = c;
    });
    resync = false;
    scheduleRender();
  }

  function applyChanges(msg) {
    (msg.removed || []).forEach(function (r) {
      delete calls[r.gateway + '/' + r.id];
    });
    (msg.calls || []).forEach(function (d) {
      var key = keyOf(d);
      var have = calls[key];
      var steps;
      if (d.stepsFrom === 0) steps = d.steps;
      else if (have && have.steps.length >= d.stepsFrom) {
        steps = have.steps.slice(0, d.stepsFrom).concat(d.steps);
      } else {
        resync = true; // missed a batch: the next fetch brings the whole call
        steps = have ? have.steps : [];
      }
      var c = $.extend({}, d, { steps: steps });
      delete c.stepsFrom;
      calls[key] = c;
    });
    if (resync) fetchCalls();
    scheduleRender();
  }

  function fetchCalls() {
    $.getJSON('cc-contact-center/calls').done(applySnapshot);
  }

  function matches(c, q) {
    if (!q) return true;
    var hay = [c.title, gateways[c.gateway] || '', c.gateway]
      .concat(c.agents || [], c.numbers || [])
      .join(' ')
      .toLowerCase();
    return q
      .toLowerCase()
      .split(/\s+/)
      .every(function (w) {
        return !w || hay.indexOf(w) >= 0;
      });
  }

  function ordered() {
    var q = filterInput ? filterInput.val().trim() : '';
    var all = Object.keys(calls).map(function (k) {
      return calls[k];
    });
    var total = all.length;
    all = all.filter(function (c) {
      return matches(c, q);
    });
    all.sort(function (a, b) {
      if (a.state !== b.state) return a.state === 'live' ? -1 : 1;
      return (b.endedAt || b.startedAt) - (a.endedAt || a.startedAt);
    });
    return { list: all, total: total };
  }

  function scheduleRender() {
    if (renderTimer || !shown) return;
    renderTimer = setTimeout(function () {
      renderTimer = null;
      render();
    }, 200);
  }

  function svgEl(name, attrs, text) {
    var el = document.createElementNS('http://www.w3.org/2000/svg', name);
    Object.keys(attrs).forEach(function (k) {
      el.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function draw(c) {
    var lanes = c.lanes || [];
    var avail = list ? list.width() - 12 : 0;
    var LANE_W = Math.max(90, Math.floor(avail / Math.max(lanes.length, 1)));
    var x = {};
    lanes.forEach(function (l, i) {
      x[l.id] = LANE_W / 2 + i * LANE_W;
    });
    var width = Math.max(lanes.length, 1) * LANE_W;
    var height = HEAD_H + (c.steps.length + 1) * ROW_H;
    var svg = svgEl('svg', {
      class: 'cc-calls-diagram',
      width: width,
      height: height,
      viewBox: '0 0 ' + width + ' ' + height,
    });
    lanes.forEach(function (l) {
      svg.appendChild(
        svgEl('rect', {
          x: x[l.id] - LANE_W / 2 + 3,
          y: 2,
          width: LANE_W - 6,
          height: 22,
          rx: 3,
          class: 'cc-calls-lane cc-calls-lane-' + l.role,
        }),
      );
      svg.appendChild(
        svgEl(
          'text',
          { x: x[l.id], y: 17, 'text-anchor': 'middle', class: 'cc-calls-lane-label' },
          l.label,
        ),
      );
      svg.appendChild(
        svgEl('line', { x1: x[l.id], y1: 24, x2: x[l.id], y2: height, class: 'cc-calls-lifeline' }),
      );
    });
    c.steps.forEach(function (s, i) {
      var y = HEAD_H + i * ROW_H + ROW_H / 2;
      var g = svgEl('g', {
        class:
          'cc-calls-step cc-calls-' +
          s.kind +
          (s.family ? ' cc-calls-' + s.family : '') +
          (s.failed ? ' cc-calls-failed' : '') +
          (selected && selected.key === keyOf(c) && selected.n === s.n ? ' selected' : ''),
        'data-n': s.n,
        'data-name': s.name,
      });
      var x1 = x[s.from] === undefined ? width / 2 : x[s.from];
      var x2 = x[s.to] === undefined ? width / 2 : x[s.to];
      g.appendChild(
        svgEl('rect', {
          x: 0,
          y: y - ROW_H / 2,
          width: width,
          height: ROW_H,
          class: 'cc-calls-hit',
        }),
      );
      if (x1 === x2) {
        var w = Math.min(2 * LANE_W - 8, s.label.length * 5 + 12);
        g.appendChild(
          svgEl('rect', {
            x: x1 - w / 2,
            y: y - 7,
            width: w,
            height: 14,
            rx: 2,
            class: 'cc-calls-note',
          }),
        );
        g.appendChild(
          svgEl(
            'text',
            { x: x1, y: y + 4, 'text-anchor': 'middle', class: 'cc-calls-text' },
            s.label,
          ),
        );
      } else {
        var dir = x2 > x1 ? 1 : -1;
        var dashed = s.kind === 'response' || (s.from === 'platform' && s.family !== 'dialog');
        g.appendChild(
          svgEl('line', {
            x1: x1,
            y1: y + 3,
            x2: x2 - dir * 4,
            y2: y + 3,
            class: 'cc-calls-arrow' + (dashed ? ' cc-calls-dashed' : ''),
          }),
        );
        g.appendChild(
          svgEl('path', {
            d: 'M' + x2 + ' ' + (y + 3) + ' l' + -dir * 6 + ' -3 l0 6 z',
            class: 'cc-calls-head',
          }),
        );
        var tx = Math.min(x1, x2) + 3;
        g.appendChild(svgEl('text', { x: tx, y: y, class: 'cc-calls-text' }, s.label));
      }
      var title = svgEl('title', {}, s.label);
      g.appendChild(title);
      svg.appendChild(g);
    });
    return svg;
  }

  function render() {
    if (!list) return;
    var o = ordered();
    var live = o.list.filter(function (c) {
      return c.state === 'live';
    }).length;
    countLabel.text(
      live +
        ' ' +
        t('live', 'live') +
        ', ' +
        (o.list.length - live) +
        ' ' +
        t('ended', 'ended') +
        (o.list.length !== o.total ? ' (' + o.total + ' ' + t('total', 'in all') + ')' : ''),
    );
    list.empty();
    if (o.list.length === 0) {
      $('<div class="cc-calls-empty"></div>')
        .text(t('empty', 'No calls yet. Calls of every cc-gateway appear here as they happen.'))
        .appendTo(list);
    }
    o.list.slice(0, MAX_DRAWN).forEach(function (c) {
      var key = keyOf(c);
      var box = $('<div class="cc-calls-call"></div>')
        .attr('data-call', key)
        .attr('data-state', c.state)
        .appendTo(list);
      var head = $('<div class="cc-calls-head-row"></div>').appendTo(box);
      $('<span class="cc-calls-title"></span>').text(c.title).appendTo(head);
      $('<span class="cc-calls-badge"></span>')
        .addClass('cc-calls-badge-' + c.state)
        .text(t(c.state, c.state))
        .appendTo(head);
      $('<span class="cc-calls-gw"></span>')
        .text(gateways[c.gateway] || c.gateway)
        .appendTo(head);
      $('<button type="button" class="red-ui-button red-ui-button-small cc-calls-copy"></button>')
        .attr('title', t('copy', 'Copy as Mermaid'))
        .append('<i class="fa fa-clipboard"></i> Mermaid')
        .on('click', function (e) {
          e.stopPropagation();
          copyMermaid(c);
        })
        .appendTo(head);
      var diagram = $('<div class="cc-calls-svg"></div>').appendTo(box);
      diagram.append(draw(c));
      diagram.on('click', '.cc-calls-step', function () {
        var n = Number(this.getAttribute('data-n'));
        selected = { key: key, n: n };
        showDetail(c, n);
        render();
      });
    });
    if (o.list.length > MAX_DRAWN) {
      $('<div class="cc-calls-more"></div>')
        .text(
          t('more', 'More calls: narrow the filter to see them.') +
            ' (' +
            (o.list.length - MAX_DRAWN) +
            ')',
        )
        .appendTo(list);
    }
  }

  function showDetail(c, n) {
    var s = c.steps[n];
    if (!s) return;
    detail.empty().show();
    $('<div class="cc-calls-detail-title"></div>')
      .text(s.name + ' · ' + new Date(s.ts).toISOString().slice(11, 23))
      .appendTo(detail);
    $('<pre class="cc-calls-data"></pre>')
      .text(JSON.stringify(s.data === undefined ? null : s.data, null, 2))
      .appendTo(detail);
  }

  function copyMermaid(c) {
    var url =
      'cc-contact-center/calls/' +
      encodeURIComponent(c.gateway) +
      '/' +
      encodeURIComponent(c.id) +
      '/mermaid';
    $.ajax({ url: url, dataType: 'text' }).done(function (text) {
      detail.empty().show();
      $('<div class="cc-calls-detail-title"></div>')
        .text(t('mermaid', 'Mermaid') + ': ' + c.title)
        .appendTo(detail);
      var area = $('<textarea class="cc-calls-mermaid" readonly></textarea>')
        .val(text)
        .appendTo(detail);
      var done = function () {
        RED.notify(t('copied', 'Copied the call as Mermaid text'), {
          type: 'success',
          timeout: 2000,
        });
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () {
          area[0].select();
          if (document.execCommand('copy')) done();
        });
      } else {
        area[0].select();
        if (document.execCommand('copy')) done();
      }
    });
  }

  function renew() {
    if (content && content.is(':visible')) {
      shown = true;
      fetchCalls();
    } else {
      shown = false;
    }
  }

  function init() {
    $('<style id="cc-calls-style"></style>').text(CSS).appendTo('head');
    content = $('<div class="cc-calls-sidebar"></div>');
    var bar = $('<div class="red-ui-sidebar-header cc-calls-bar"></div>').appendTo(content);
    filterInput = $('<input type="text" class="cc-calls-filter">')
      .attr('placeholder', t('filter', 'filter: agent, number or gateway'))
      .on('input', scheduleRender)
      .appendTo(bar);
    countLabel = $('<span class="cc-calls-count"></span>').appendTo(bar);
    list = $('<div class="cc-calls-list"></div>').appendTo(content);
    detail = $('<div class="cc-calls-detail"></div>').hide().appendTo(content);
    RED.sidebar.addTab({
      id: 'cc-calls',
      label: t('tab', 'calls'),
      name: t('name', 'Calls'),
      iconClass: 'fa fa-phone',
      content: content,
      enableOnEdit: true,
      onchange: function () {
        shown = true;
        fetchCalls();
      },
    });
    RED.comms.subscribe(TOPIC, function (_topic, msg) {
      if (!shown) return;
      applyChanges(msg);
    });
    renewTimer = setInterval(renew, RENEW_MS);
  }

  window.CCCallsSidebar = {
    /** For tests: the calls the sidebar holds. */
    calls: function () {
      return calls;
    },
    render: render,
  };
  $(function () {
    init();
  });
  void renewTimer;
})();
