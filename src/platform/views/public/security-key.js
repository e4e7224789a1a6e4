// Security keys (WebAuthn) for Signpost's sign-in and account pages. Loaded as a static file after
// SimpleWebAuthn's browser bundle (the CSP allows no inline script). Each form marked
// data-security-key-form carries the server's options; on submit the browser asks the key, and
// the response goes back in the form's hidden "credential" field, so the server renders the
// outcome and any error summary as for any other form. Without WebAuthn the forms stay hidden.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;

  document.querySelectorAll('[data-security-key-section]').forEach(function (section) {
    section.hidden = false;
  });

  document.querySelectorAll('form[data-security-key-form]').forEach(function (form) {
    var busy = false;
    form.addEventListener('submit', function (event) {
      // A form where the key is one option (break-glass) posts its other buttons as usual.
      if (form.hasAttribute('data-security-key-optional') && !(event.submitter && event.submitter.hasAttribute('data-security-key'))) return;
      event.preventDefault();
      if (busy) return;
      busy = true;
      // A key is not asked for a registration the server will refuse for a missing name: that
      // would leave an unused credential on the key.
      var nickname = form.elements.namedItem('nickname');
      if (nickname && nickname.value.trim() === '') {
        form.submit();
        return;
      }
      var optionsJSON = JSON.parse(form.getAttribute('data-options'));
      var ask = form.getAttribute('data-security-key-form') === 'register'
        ? lib.startRegistration({ optionsJSON: optionsJSON })
        : lib.startAuthentication({ optionsJSON: optionsJSON });
      ask.then(function (response) {
        form.elements.namedItem('credential').value = JSON.stringify(response);
      }, function () {
        // Cancelled, timed out or refused by the browser: the server says what to do next.
        form.elements.namedItem('credential').value = '';
      }).then(function () {
        form.submit();
      });
    });
  });
})();
