import type { Request, Response } from 'express';
import type twilioSdk from 'twilio';
import type { Logger } from '../../log';

/**
 * A header's text as a log field: printable ASCII, anything else written as `\uXXXX`, at most
 * 60 characters. Node refuses CR, LF and ESC in headers, but lets through bytes 0x80-0xFF
 * (NEL, a line break to Unicode-aware log tools; CSI, a terminal's escape).
 */
function printable(header: string): string {
  return header.slice(0, 60).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The check of every Twilio webhook (SMS and voice): signed with the auth token over PUBLIC_URL
 * + path and query (validated with and without the default port, as Twilio signs either), by
 * the algorithm X-Twilio-Webhooks-Signature-Settings names. True when Twilio signed the
 * request; answers 403 otherwise. https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignatureCheck(twilio: typeof twilioSdk, token: string, publicUrl: string, log: Logger): (req: Request, res: Response) => boolean {
  const base = publicUrl.replace(/\/+$/, '');
  /** What X-Twilio-Webhooks-Signature-Settings may name (case aside, as the package reads it). */
  const algorithms: readonly string[] = [twilio.HMAC_SHA1, twilio.HMAC_SHA256];
  return (req, res) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const algorithm = twilio.getSignatureAlgorithm(req.header(twilio.SIGNATURE_SETTINGS_HEADER));
    // Checked here, before validateRequest, which prints an algorithm it does not know to the
    // console raw: the header is the caller's text (log injection).
    if (!algorithms.includes(algorithm.toUpperCase())) {
      log.warn({ algorithm: printable(algorithm) }, 'Twilio request naming a signature algorithm this twilio package does not know refused (upgrade twilio if Twilio added one)');
      res.status(403).type('text/plain').send('Forbidden: unsupported signature algorithm');
      return false;
    }
    if (twilio.validateRequest(token, req.header(twilio.SIGNATURE_HEADER) ?? '', base + req.originalUrl, params, algorithm)) return true;
    log.warn('Twilio request with a bad signature refused');
    res.status(403).type('text/plain').send('Forbidden: bad signature');
    return false;
  };
}
