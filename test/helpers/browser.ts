/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium (test/run.sh installs it with apt-get) driven by
 * playwright-core, which never downloads a browser of its own. One launch configuration for every browser test.
 */
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Launches headless Chromium; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
