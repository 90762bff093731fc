/**
 * @initkit/tftp: TFTP client and server for Node (RFC 1350, 2347, 2348, 2349, 7440).
 */
export {};
