import type { LatestInputWire } from './latest-input';

/**
 * The JSON latest-input families as their gateways speak them (src/channels/<family>/), for
 * the journey and wire tests: how a hop is written and how an answer is read.
 */
export const hubtelWire: LatestInputWire = {
  family: 'hubtel',
  label: 'Hubtel',
  leaves: true,
  numbered: true,
  body: ({ session, phone, kind, input, sequence, why }) => ({
    Sequence: String(sequence),
    Type: kind === 'start' ? 'Initiation' : kind === 'continue' ? 'Response' : why === 'timeout' ? 'Timeout' : 'Release',
    Message: input,
    ServiceCode: '347',
    Operator: 'mtn',
    ClientState: String(sequence - 1),
    Mobile: phone,
    SessionId: session,
  }),
  answerKeys: ['Type', 'Message', 'ClientState'],
  screenOf: (answer) => ({ text: String(answer.Message), final: answer.Type === 'Release' }),
};

export const naloWire: LatestInputWire = {
  family: 'nalo',
  label: 'Nalo',
  leaves: false,
  numbered: false,
  body: ({ session, phone, kind, input }) => ({ USERID: 'lingkod_ph', MSISDN: phone, USERDATA: input, MSGTYPE: kind === 'start', NETWORK: 'MTN', SESSIONID: session }),
  answerKeys: ['USERID', 'MSISDN', 'MSG', 'MSGTYPE'],
  screenOf: (answer) => ({ text: String(answer.MSG), final: answer.MSGTYPE === false }),
};

export const arkeselWire: LatestInputWire = {
  family: 'arkesel',
  label: 'Arkesel',
  leaves: false,
  numbered: false,
  body: ({ session, phone, kind, input }) => ({ sessionID: session, userID: 'lingkod', newSession: kind === 'start', msisdn: phone, userData: input, network: 'MTN' }),
  answerKeys: ['sessionID', 'userID', 'msisdn', 'message', 'continueSession'],
  screenOf: (answer) => ({ text: String(answer.message), final: answer.continueSession === false }),
};
