/* global window, RED, $ */
// Shared editor code of the WebRTC family's nodes (cc-webrtc-*). Every cc-webrtc-*.html loads
//   <script src="resources/@ccflow/node-red-contact-center/cc-webrtc-editor.js"></script>
// Operations, their parameters and outcomes, and the callback names come only from the family's
// catalogue (GET cc-webrtc/catalogue, registered by the cc-webrtc-account node).
(function (global) {
  'use strict';
  if (global.CCWebrtcEditor) return;

  var CATALOGUE_URL = 'cc-webrtc/catalogue';
  var TYPES = ['msg', 'flow', 'global', 'env', 'str', 'num', 'json', 'jsonata'];
  var catalogue = null;
  // Read once through the palette's shared reader (resources/cc-editor.js).
  var readCatalogue = global.CCEditor.readOnce(CATALOGUE_URL, {});

  function load() {
    return readCatalogue().then(function (c) {
      if (c) catalogue = c;
      return c;
    });
  }

  function text(node, key, fallback) {
    var t = node._(key);
    return t && t !== key ? t : fallback;
  }

  function labelStyle() {
    return this.name ? 'node_label_italic' : '';
  }

  function account() {
    return { value: '', type: 'cc-webrtc-account', required: true };
  }

  /**
   * What an operation node's registerType call needs besides category, color and icon.
   * opts.kind: the catalogue node kind; opts.defaultOperation; opts.outcomes: the outputs (the
   * catalogue's OUTCOMES[kind], listed here too so the palette draws them before it loads).
   */
  function operationNode(type, opts) {
    var box = '#' + type + '-params';

    function specOf(name) {
      var ops = (catalogue && catalogue.operations) || [];
      for (var i = 0; i < ops.length; i++) if (ops[i].name === name) return ops[i];
      return null;
    }

    function rows(node, spec, current) {
      var $box = $(box).empty();
      if (!spec) return;
      spec.params.forEach(function (p) {
        var cur = (current && current[p.name]) || { type: 'msg', value: '' };
        var $row = $('<div class="form-row">').attr('data-param', p.name).appendTo($box);
        $('<label>')
          .attr('for', type + '-param-' + p.name)
          .append($('<i class="fa fa-angle-right"></i>'))
          .append(' ')
          .append(
            $('<span>').text(
              text(node, type + '.param.' + p.name, p.name) + (p.required ? ' *' : ''),
            ),
          )
          .appendTo($row);
        var $input = $('<input type="text" style="width:70%">')
          .attr('id', type + '-param-' + p.name)
          .attr('placeholder', 'msg.payload.' + p.name + ' / msg.webrtc.' + p.name)
          .appendTo($row);
        $input.typedInput({ types: TYPES, default: 'msg' });
        $input.typedInput('type', cur.type || 'msg');
        $input.typedInput('value', cur.value === undefined ? '' : cur.value);
      });
    }

    function readParams() {
      var out = {};
      $(box + ' [data-param]').each(function () {
        var name = $(this).attr('data-param');
        var $input = $('#' + type + '-param-' + name);
        out[name] = { type: $input.typedInput('type'), value: $input.typedInput('value') };
      });
      return out;
    }

    load();
    return {
      defaults: {
        name: { value: '' },
        account: account(),
        operation: { value: opts.defaultOperation, required: true },
        params: { value: {} },
        timeout: {
          value: '',
          validate: function (v) {
            return v === '' || v === undefined || (Number(v) > 0 && isFinite(Number(v)));
          },
        },
      },
      inputs: 1,
      outputs: opts.outcomes.length,
      label: function () {
        return (
          this.name ||
          text(this, type + '.operation.' + this.operation, this.operation) ||
          this._(type + '.paletteLabel')
        );
      },
      paletteLabel: function () {
        return this._(type + '.paletteLabel');
      },
      labelStyle: labelStyle,
      outputLabels: function (i) {
        return text(this, type + '.outcome.' + opts.outcomes[i], opts.outcomes[i]);
      },
      oneditprepare: function () {
        prepare(this);
      },
      oneditsave: function () {
        this.params = readParams();
      },
    };

    /** The edit dialog of `node`: the operations of its kind and their parameter rows. */
    function prepare(node) {
      $('#node-input-timeout').spinner({ min: 0 });
      load().then(function (c) {
        if (!c) RED.notify(node._(type + '.errors.catalogue'), 'warning');
        var $op = $('#node-input-operation').empty();
        var ops = ((c && c.operations) || []).filter(function (o) {
          return o.node === opts.kind;
        });
        ops.forEach(function (o) {
          $('<option>')
            .val(o.name)
            .text(text(node, type + '.operation.' + o.name, o.name) + ' (' + o.name + ')')
            .appendTo($op);
        });
        if (node.operation && !specOf(node.operation))
          $('<option>').val(node.operation).text(node.operation).appendTo($op);
        $op.val(node.operation || opts.defaultOperation);
        $op.on('change', function () {
          var spec = specOf($op.val());
          rows(node, spec, $op.val() === node.operation ? node.params : {});
          $('#node-input-timeout').attr('placeholder', spec ? spec.timeoutS : '');
        });
        $op.trigger('change');
      });
    }
  }

  /** The events node: a multiple choice of callback names from the catalogue. */
  function eventsNode(type) {
    load();
    return {
      defaults: { name: { value: '' }, account: account(), events: { value: '' } },
      inputs: 0,
      outputs: 1,
      label: function () {
        return this.name || this._(type + '.paletteLabel');
      },
      paletteLabel: function () {
        return this._(type + '.paletteLabel');
      },
      outputLabels: function () {
        return this._(type + '.outputLabel');
      },
      labelStyle: labelStyle,
      oneditprepare: function () {
        prepareEvents(this);
      },
    };

    /** The edit dialog of `node`: the callback names as a multiple choice. */
    function prepareEvents(node) {
      load().then(function (c) {
        if (!c) RED.notify(node._(type + '.errors.catalogue'), 'warning');
        var list = c ? c.events.participant.concat(c.events.voice) : [];
        var $input = $('#node-input-events');
        var current = node.events;
        $input.val(Array.isArray(current) ? current.join(',') : current || '');
        var chosen = String($input.val() || '')
          .split(',')
          .filter(function (v) {
            return v !== '' && list.indexOf(v) < 0;
          });
        $input.typedInput({
          types: [
            {
              value: 'events',
              multiple: true,
              options: list.concat(chosen).map(function (v) {
                return { value: v, label: v };
              }),
            },
          ],
        });
      });
    }
  }

  global.CCWebrtcEditor = { catalogue: load, operationNode: operationNode, eventsNode: eventsNode };
})(window);
