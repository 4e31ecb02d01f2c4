// Stripe's hosted card element in the Payments pop-up, when the contractor takes cards through Stripe.
// The card number is typed into Stripe's own frame and goes to Stripe; the portal receives only the
// PaymentMethod id that window.portalStripe.paymentMethod() resolves to.
(() => {
  let stripe = null;
  let card = null;
  let mountedOn = null;
  let loading = null;

  const load = (url) => {
    if (window.Stripe) return Promise.resolve();
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = url;
        script.onload = resolve;
        script.onerror = () => { loading = null; reject(new Error('The card form could not be loaded.')); };
        document.head.appendChild(script);
      });
    }
    return loading;
  };

  const showError = (box, text) => {
    const shown = document.getElementById(box.id + '-error');
    if (shown) shown.textContent = text || '';
  };

  const mount = async (box) => {
    mountedOn = box;
    try {
      await load(box.dataset.jsUrl);
      if (!stripe) stripe = window.Stripe(box.dataset.key);
      if (card) card.destroy();
      card = stripe.elements().create('card', {hidePostalCode: true});
      card.mount(box);
      card.on('change', (event) => showError(box, event.error ? event.error.message : ''));
    } catch (error) {
      mountedOn = null;
      showError(box, error.message);
    }
  };

  new MutationObserver(() => {
    const box = document.querySelector('[data-stripe-card]');
    if (box && box !== mountedOn && box.dataset.key) mount(box);
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                         attributeFilter: ['data-key']});

  window.portalStripe = {
    async paymentMethod(name) {
      if (!stripe || !card) return {error: 'The card form has not loaded yet. Check your connection and try again.'};
      try {
        const result = await stripe.createPaymentMethod({type: 'card', card, billing_details: {name}});
        if (result.error) return {error: result.error.message || 'The card was not accepted.'};
        return {id: result.paymentMethod.id};
      } catch (error) {
        return {error: 'The payment service could not be reached. Please try again.'};
      }
    },
  };
})();
