/** The web UI driven in headless Chromium through Selenium, against a whole daemon. */
package io.snapferry.web.browser;
