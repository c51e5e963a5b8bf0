/** Reference data for realistic zh-CN demo records (names, places, companies, products). */

/** Surnames with their pinyin (for e-mail addresses). */
export const SURNAMES: readonly (readonly [string, string])[] = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'],
  ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'],
  ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['高', 'gao'], ['林', 'lin'], ['罗', 'luo'], ['郑', 'zheng'],
  ['梁', 'liang'], ['谢', 'xie'], ['宋', 'song'], ['唐', 'tang'], ['许', 'xu'], ['韩', 'han'], ['冯', 'feng'],
  ['邓', 'deng'], ['曹', 'cao'], ['彭', 'peng'], ['曾', 'zeng'], ['肖', 'xiao'], ['田', 'tian'], ['董', 'dong'],
  ['袁', 'yuan'], ['潘', 'pan'], ['于', 'yu'], ['蒋', 'jiang'], ['蔡', 'cai'], ['欧阳', 'ouyang'], ['司马', 'sima'],
];

export const GIVEN_MALE: readonly (readonly [string, string])[] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['杰', 'jie'],
  ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['浩', 'hao'], ['宇', 'yu'], ['鹏', 'peng'], ['建', 'jian'],
  ['国', 'guo'], ['志', 'zhi'], ['文', 'wen'], ['斌', 'bin'], ['峰', 'feng'], ['晨', 'chen'],
];

export const GIVEN_FEMALE: readonly (readonly [string, string])[] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'],
  ['霞', 'xia'], ['秀', 'xiu'], ['婷', 'ting'], ['雪', 'xue'], ['琳', 'lin'], ['慧', 'hui'], ['颖', 'ying'],
  ['倩', 'qian'], ['佳', 'jia'], ['欣', 'xin'], ['玲', 'ling'], ['梅', 'mei'], ['洁', 'jie'],
];

/** Districts with their GB/T 2260 codes: [province, city, district, area code, streets]. */
export const DISTRICTS: readonly (readonly [string, string, string, string, readonly string[]])[] = [
  ['北京市', '北京市', '东城区', '110101', ['王府井大街', '东四北大街', '朝阳门内大街']],
  ['北京市', '北京市', '海淀区', '110108', ['中关村大街', '学院路', '知春路']],
  ['上海市', '上海市', '黄浦区', '310101', ['南京东路', '淮海中路', '西藏中路']],
  ['上海市', '上海市', '浦东新区', '310115', ['世纪大道', '张杨路', '陆家嘴环路']],
  ['广东省', '广州市', '天河区', '440106', ['天河路', '体育西路', '珠江新城花城大道']],
  ['广东省', '深圳市', '南山区', '440305', ['深南大道', '科技园南路', '后海大道']],
  ['浙江省', '杭州市', '西湖区', '330106', ['文三路', '天目山路', '西溪路']],
  ['江苏省', '南京市', '玄武区', '320102', ['中山路', '北京东路', '珠江路']],
  ['四川省', '成都市', '武侯区', '510107', ['人民南路', '科华北路', '武侯祠大街']],
  ['湖北省', '武汉市', '武昌区', '420106', ['中南路', '中北路', '武珞路']],
  ['陕西省', '西安市', '雁塔区', '610113', ['小寨东路', '长安南路', '高新路']],
  ['重庆市', '重庆市', '渝中区', '500103', ['解放碑民族路', '中山三路', '大坪正街']],
  ['天津市', '天津市', '和平区', '120101', ['南京路', '滨江道', '解放北路']],
  ['山东省', '青岛市', '市南区', '370202', ['香港中路', '东海西路', '中山路']],
  ['福建省', '厦门市', '思明区', '350203', ['鹭江道', '湖滨南路', '厦禾路']],
];

export const COMPANY_WORDS = ['华信', '恒通', '瑞丰', '嘉禾', '中泰', '新源', '宏达', '金诚', '安盛', '博远', '天成', '鼎盛'];

export const INDUSTRIES: readonly (readonly [string, string, string])[] = [
  ['制造业', '科技', '电子元器件的研发、生产与销售'],
  ['批发和零售业', '商贸', '日用百货、五金交电的批发与零售'],
  ['信息传输、软件和信息技术服务业', '信息技术', '软件开发、信息系统集成服务'],
  ['建筑业', '建设工程', '房屋建筑工程施工、装饰装修'],
  ['交通运输、仓储和邮政业', '物流', '普通货物道路运输、仓储服务'],
  ['住宿和餐饮业', '餐饮管理', '餐饮服务、食品经营'],
  ['租赁和商务服务业', '企业管理咨询', '企业管理咨询、商务信息咨询'],
  ['农、林、牧、渔业', '农业发展', '农作物种植、农产品初加工'],
];

export const EMPLOYERS = [
  '中国移动通信集团', '国家电网有限公司', '华为技术有限公司', '中国建筑股份有限公司', '腾讯科技有限公司',
  '上海汽车集团', '中国人民财产保险', '市第一人民医院', '市实验中学', '个体经营', '阿里巴巴集团', '京东集团',
];

export const POSITIONS = ['财务经理', '总经理', '采购主管', '行政专员', '法务顾问', '出纳', '董事会秘书'];

/** UnionPay-style issuer prefixes: ICBC, ABC, CCB, CMB, BOC, BOCOM. */
export const CARD_PREFIXES = ['622202', '622848', '621700', '622588', '621661', '622262'];

export const MOBILE_PREFIXES = ['130', '135', '136', '138', '139', '150', '152', '158', '159', '166', '177', '180', '186', '188', '189', '199'];

export const PRODUCTS: Record<string, readonly string[]> = {
  DEBIT: ['消费支付', '转账汇出', '信用卡还款', '理财产品申购', '代缴水电费', 'ATM取现', '贷款还款'],
  CREDIT: ['工资代发', '转账汇入', '理财产品赎回', '利息收入', '退款', '现金存入'],
};

export const MERCHANTS = ['美团外卖', '京东商城', '中国石化加油站', '国家电网', '永辉超市', '滴滴出行', '携程旅行', '星巴克'];

export const COMPLAINT_TEXTS: Record<string, readonly string[]> = {
  SERVICE_ATTITUDE: ['柜台工作人员态度冷淡，办理业务时不耐烦。', '客服电话多次转接仍未解决问题。'],
  FEES: ['账户被扣除不明年费，事先未收到任何通知。', '跨行转账手续费与宣传不符。'],
  CARD: ['银行卡在ATM被吞，至今未归还。', '信用卡额度无故被降低。'],
  TRANSACTION_DISPUTE: ['一笔消费我本人并未操作，请核查。', '转账显示成功但对方未收到款项。'],
  PRODUCT_MISSELLING: ['理财经理推荐产品时未充分揭示风险。', '保险产品被当作存款推销。'],
  PRIVACY: ['接到自称本行的推销电话，怀疑个人信息泄露。', '未经同意向第三方提供了我的联系方式。'],
  DIGITAL_CHANNEL: ['手机银行登录频繁失败。', '网银转账页面报错，资金状态不明。'],
  OTHER: ['网点排队时间过长。', '营业时间变更未提前公告。'],
};

/** What complaining customers ask for (seed 002 第十五条 客户要求), by category. */
export const COMPLAINT_REQUESTS: Record<string, readonly string[]> = {
  SERVICE_ATTITUDE: ['要求相关人员道歉并改进服务。', '希望有专人跟进处理。'],
  FEES: ['要求退还不合理收费。', '要求说明收费依据。'],
  CARD: ['要求尽快归还卡片或补发新卡。', '要求恢复原信用额度。'],
  TRANSACTION_DISPUTE: ['要求核查并退回款项。', '要求提供交易明细及处理进度。'],
  PRODUCT_MISSELLING: ['要求赎回产品并赔偿损失。', '要求书面说明产品风险。'],
  PRIVACY: ['要求停止推销并说明信息来源。', '要求删除向第三方提供的信息。'],
  DIGITAL_CHANNEL: ['要求尽快修复并确认资金安全。', '要求说明故障原因。'],
  OTHER: ['希望改进网点服务安排。', '希望提前公告营业时间变化。'],
};

/** Handling plans, investigation reports and follow-up comments for the demo timelines. */
export const HANDLING_MEASURES = ['调取交易流水和监控录像，联系相关部门核实。', '与客户电话沟通了解详情，并请业务部门出具说明。', '核对系统日志，协调科技部门排查。'];
export const INVESTIGATION = {
  cause: ['系统参数配置错误。', '员工未按规定流程操作。', '第三方机构处理延迟。', '客户对业务规则理解有误。'],
  course: ['经调取记录核实，问题发生于受理当日。', '经与经办人员面谈并核对凭证，情况属实。', '经核对系统日志，确认为批处理异常所致。'],
  responsibility: ['营运部', '网点经办柜员', '科技部', '无责任部门（客户原因）'],
  conclusion: ['投诉成立。', '投诉部分成立。', '投诉不成立，已向客户解释。'],
  countermeasures: ['修正配置并增加复核环节。', '组织员工培训，纳入考核。', '优化流程并加强对外告知。'],
};
export const SATISFACTION_COMMENTS = ['处理及时，满意。', '结果可以接受。', '处理时间太长。', '问题没有真正解决。', '服务态度很好。'];

/** Relationship-care contact summaries (seed 001 三(一)2: needs, business progress, feedback). */
export const CONTACT_SUMMARIES = ['电话回访，了解客户近期资金安排。', '拜访客户，介绍新产品并收集反馈。', '邮件发送行业资讯，客户表示感谢。', '面谈沟通续约事宜，客户意向良好。', '回访投诉处理结果，客户表示满意。'];
