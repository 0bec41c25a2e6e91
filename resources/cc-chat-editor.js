/* global window, RED, $ */
// Shared editor code of the helpdesk chat operation nodes (cc-chat-token, cc-chat-meeting,
// cc-chat-bridge, cc-chat-add-participant, cc-chat-send, cc-chat-invite, cc-chat-terminate).
// Each editor file loads it with
//   <script src="resources/@ccflow/node-red-contact-center/cc-chat-editor.js"></script>
// and spreads CCChat.operationNode(type, operation, outcome) into its registerType call.
// Parameters come only from the chat catalogue (GET cc-chat/catalogue, registered by the
// cc-chat-app node); nothing here re-lists them.
(function (global) {
  'use strict';
  if (global.CCChat) return;
  var TYPES = ['msg', 'flow', 'global', 'env', 'str', 'jsonata'];
  // The chat catalogue, read once through the palette's shared reader (resources/cc-editor.js).
  var load = global.CCEditor.readOnce('cc-chat/catalogue', { operations: [] });

  function operationNode(type, operation, outcome) {
    return {
      paletteLabel: function () {
        return this._(type + '.paletteLabel');
      },
      defaults: {
        name: { value: '' },
        app: { value: '', type: 'cc-chat-app', required: true },
        session: { value: 'chat.session' },
        sessionType: { value: 'msg' },
        operationId: { value: '' },
        operationIdType: { value: 'str' },
        params: { value: {} },
        timeout: { value: '', validate: RED.validators.number(true) },
      },
      inputs: 1,
      outputs: 2,
      outputLabels: function (i) {
        return this._(type + '.outcome.' + (i === 0 ? outcome : 'failed'));
      },
      label: function () {
        return this.name || this._(type + '.paletteLabel');
      },
      oneditprepare: function () {
        prepare(this, type, operation);
      },
      oneditsave: function () {
        save(this);
      },
    };
  }

  function prepare(node, type, operation) {
    {
      {
        // A node imported without these properties gets the defaults a palette drag gives.
        if (!$('#node-input-session').val()) $('#node-input-session').val('chat.session');
        if (!$('#node-input-sessionType').val()) $('#node-input-sessionType').val('msg');
        $('#node-input-session').typedInput({
          typeField: '#node-input-sessionType',
          types: ['msg', 'flow', 'global', 'str', 'jsonata'],
        });
        $('#node-input-operationId').typedInput({
          typeField: '#node-input-operationIdType',
          types: ['str', 'msg', 'flow', 'global', 'env', 'jsonata'],
        });
        var values = node.params || {};
        load().then(function (c) {
          if (!c) {
            RED.notify(node._(type + '.errors.catalogue'), 'warning');
            return;
          }
          var spec = (c.operations || []).find(function (o) {
            return o.name === operation;
          });
          if (!spec) return;
          $('.cc-chat-session').toggle(spec.needsSession);
          $('#cc-chat-desc').text(spec.description);
          var box = $('#cc-chat-params').empty();
          spec.params.forEach(function (p) {
            var v = values[p.name] || { type: 'msg', value: 'payload.' + p.name };
            var row = $('<div class="form-row">').appendTo(box);
            $('<label>')
              .text(p.name + (p.required ? ' *' : ''))
              .attr('title', p.description)
              .appendTo(row);
            var input = $('<input type="text" style="width:70%">')
              .attr('data-param', p.name)
              .attr('title', p.description + (p.enum ? ' (' + p.enum.join(', ') + ')' : ''))
              .val(v.value)
              .appendTo(row);
            input.typedInput({ default: v.type, types: TYPES });
            input.typedInput('type', v.type);
          });
        });
      }
    }
  }

  function save(node) {
    {
      {
        var params = {};
        $('#cc-chat-params input[data-param]').each(function () {
          params[$(this).attr('data-param')] = {
            type: $(this).typedInput('type'),
            value: $(this).typedInput('value'),
          };
        });
        if ($('#cc-chat-params input[data-param]').length || !node.params) node.params = params;
      }
    }
  }

  global.CCChat = { operationNode: operationNode };
})(window);
