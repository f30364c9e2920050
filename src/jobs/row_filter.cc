#include "jobs/row_filter.h"

#include "jobs/automation_config.h"
#include "query/parser.h"

namespace sluice::jobs {

Result<RowFilter> RowFilter::Compile(const std::string& filter, const model::ObjectRef& object,
                                     TimestampMicros now) {
  RowFilter f;
  if (filter.empty()) return f;
  SLUICE_ASSIGN_OR_RETURN(f.query_, query::ParseQuery(ExemptQuery(object, filter)));
  f.env_.now = now;
  return f;
}

bool RowFilter::Matches(const model::Event& e) {
  if (!active()) return false;
  view_->Reset(e);
  return query::IsTrue(query::Eval(*query_.filter, view_.get(), env_));
}

}  // namespace sluice::jobs
