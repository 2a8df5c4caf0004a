// Fields kept from the returned original message (RFC 3462 third part, or headers quoted after a
// "copy of the message" marker): From, Return-Path, Message-ID, DKIM-Signature d=/s= (RFC 6376
// section 3.5), Authentication-Results (RFC 8601) and the campaign header.
#pragma once

#include <string>
#include <string_view>

#include "ingest/event.hpp"
#include "ingest/mail/mime.hpp"

namespace mxt::mail {

// Finds the original's header block: the attached one, else the first header block after an
// original-message marker in the body.
HeaderBlock original_headers(const Mail& m);

void fill_original(const HeaderBlock& orig, std::string_view campaign_header, DeliveryEvent& e);

}  // namespace mxt::mail
