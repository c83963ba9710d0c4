/** The parts of the npm `smpp` package (farhadi/node-smpp, no types of its own) the USSD gateway peer uses. */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server } from 'node:net';

  export interface PDU {
    command: string;
    command_status: number;
    sequence_number: number;
    system_id?: string;
    password?: string;
    service_type?: string;
    source_addr?: string;
    destination_addr?: string;
    data_coding?: number;
    esm_class?: number;
    short_message?: { message?: string | Buffer; udh?: Buffer[] } | Buffer | string;
    message_payload?: { message?: string | Buffer } | Buffer | string;
    ussd_service_op?: number;
    its_session_info?: Buffer;
    response(fields?: Record<string, unknown>): PDU;
  }

  export interface Session extends EventEmitter {
    send(pdu: PDU, onResponse?: (response: PDU) => void): boolean;
    deliver_sm(fields: Record<string, unknown>, onResponse?: (response: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    on(event: string, listener: (pdu: PDU) => void): this;
  }

  export function createServer(listener: (session: Session) => void): Server;
  export const ESME_RBINDFAIL: number;
  export const ESME_ROK: number;
}
